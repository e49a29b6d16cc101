#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu, as root):
# install Python and cg. Zip this folder's files (not the folder) with a cg wheel beside them
# (pip wheel --no-deps -w . /path/to/cg gives cgcli-*.whl); without a wheel, CG_PIP_SPEC
# (default: cgcli) says what pip installs.
set -euo pipefail
SRC="${CG_AUTOGRADER_ROOT:-/autograder}/source"
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update -q && apt-get install -y -q python3 python3-venv
fi
python3 -m venv /opt/cg
wheels=("$SRC"/cgcli-*.whl)
if [ -e "${wheels[0]}" ]; then
    /opt/cg/bin/pip install -q "${wheels[@]}"
else
    /opt/cg/bin/pip install -q "${CG_PIP_SPEC:-cgcli}"
fi
ln -sf /opt/cg/bin/cg /usr/local/bin/cg
cg --version
