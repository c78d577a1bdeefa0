# Image of the thoughtspot-view-sync container action. GitHub's runner builds it
# at the start of every job that uses the action, so it stays small and its
# slow layer (the dependencies) comes before the code that changes most.

# The official image, pinned by the digest of its multi-arch index: every job
# builds on the same bytes, and a re-pushed 3.12-slim tag cannot change them.
# It is an ARG only so that scripts/container-test.sh can build on a local
# stand-in where no registry is reachable; GitHub never passes it.
ARG BASE=python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea
FROM ${BASE}

# Unbuffered: workflow commands (::add-mask:: first of all) reach the runner's
# log at once and in order. No bytecode written at run time: the container is
# thrown away after the step. The PIP_ settings keep the install layer free of
# a wheel cache and the build log free of notices about pip and root.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The runner overrides the working directory with the workspace; this one only
# gives the code a fixed home that the entry point below names.
WORKDIR /action

# Requirements alone first, so a change to the code reuses the cached install.
# --no-deps: requirements.txt is the complete pinned set, and it leaves out
# PyGithub, which actions-toolkit declares but its core module never imports.
COPY requirements.txt ./
RUN python -m pip install --no-cache-dir --no-deps -r requirements.txt

COPY sync/ ./sync/
COPY entrypoint.py ./

# Exec form with absolute paths: the workflow's PATH leaks into the container
# and may name anything, and a /bin/sh wrapper (dash) would drop the
# INPUT_ variables whose names hold a hyphen.
ENTRYPOINT ["/usr/local/bin/python", "/action/entrypoint.py"]
