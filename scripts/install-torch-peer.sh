#!/usr/bin/env bash
# Installs what the PyTorch-CPU peer of the PPO benchmark (bench/peers/torch_ppo.py) needs: Debian's
# python3-torch and python3-numpy, for Debian's /usr/bin/python3. Optional: the suite skips the peer,
# with this command in its note, when torch is not importable; neither CI nor `npm test` runs this.
# Debian's packages, not pip: a system interpreter refuses pip installs (PEP 668), and the distro's
# torch is what a CPU-only researcher on this OS gets with one command. Debian's torch calls the
# system BLAS (libblas.so.3, an alternative): libopenblas0-pthread makes that OpenBLAS rather than
# the reference BLAS, whose matrix products are several times slower.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch python3-numpy libopenblas0-pthread >/dev/null
/usr/bin/python3 -c 'import numpy, torch; print(f"torch {torch.__version__}, numpy {numpy.__version__}")'
