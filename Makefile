# Day 76 optimizers: course + autograder.
#   make demo   build the homework and grade bundled example submissions (sets everything up first)
#   make test   the whole test suite (sets everything up first)
#   make lab    JupyterLab on the lesson and the homework (students use the student edition's own make lab)
#   make validate NB=...  nbgrader validate with the course's settings
#   make bench  timing scripts that print ratios
# Every target starts with `setup`, which is a no-op once done.

SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
BIN        := $(CURDIR)/$(VENV)/bin
STAMP      := $(VENV)/.setup-done
# nbgrader shells out to `alembic` by name, and the kernels must be the venv's python.
export PATH := $(BIN):$(PATH)
# Keep TensorFlow's C++ logging quiet and single-machine friendly everywhere we run it.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# No Jupyter state from the user's home leaks into tests or grading.
export JUPYTER_PLATFORM_DIRS := 1

APT_PACKAGES := bubblewrap chromium git fonts-wqy-microhei
PYTEST_ARGS ?=
LAB_ARGS    ?=

.PHONY: setup system-packages python-env test demo lab validate bench release strip clean distclean

setup: system-packages python-env

# Debian packages: bwrap (the grading sandbox), chromium (browser tests), git (collection), a CJK
# font (作業 in the lessons, the class report and screenshots, instead of empty boxes).
# Installed with apt-get when we are root; otherwise we say what is missing and carry on
# (a student who only wants `make lab` needs none of them).
system-packages:
	@missing=""; \
	command -v bwrap    >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v git      >/dev/null 2>&1 || missing="$$missing git"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "!! missing system packages:$$missing (as root: apt-get install -y$$missing)"; \
	    echo "!! grading in the sandbox and the browser tests need them; the course notebooks do not."; \
	  fi; \
	fi

python-env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (found %s): set PYTHON=python3.11" % sys.version.split()[0]'
	@test -x $(BIN)/python || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@# requirements.lock picks tensorflow-cpu where it exists (no CUDA probing, same numbers): an older
	@# .venv with the CUDA build installed gets it removed first (both install the same files).
	@if $(BIN)/python -c 'import sys; from importlib.metadata import version; from packaging.requirements import Requirement; \
	    version("tensorflow"); reqs = [Requirement(l.strip()) for l in open("requirements.lock") if l.strip() and not l.startswith("#")]; \
	    sys.exit(not any(r.name == "tensorflow-cpu" and (r.marker is None or r.marker.evaluate()) for r in reqs))' 2>/dev/null; then \
	  echo "==> replacing the CUDA build of TensorFlow with tensorflow-cpu (same version, same numbers)"; \
	  $(BIN)/python -m pip uninstall -q -y tensorflow tensorflow-cpu; \
	fi
	@echo "==> installing the pinned environment (requirements.lock)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v "is ignored: it is neither" || true
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 | grep -v "is ignored: it is neither" || true
	@$(BIN)/python -c 'import tensorflow, keras, nbgrader, autograder' 2>/dev/null || { echo "!! the environment did not install; see the pip output above"; exit 1; }
	@touch $(STAMP)

test: setup
	cd $(CURDIR) && $(BIN)/python -m pytest $(PYTEST_ARGS)

demo: setup
	$(BIN)/python -m day76.demo

# JupyterLab on the lesson and the homework (the workspace in jupyter/ opens both; the URL printed opens
# that workspace). Kernels come from jupyter/kernels/ (library logs go to this terminal, not into the
# notebooks); the Validate button reads homework/nbgrader_config.py (timeouts that hold on a laptop).
LAB_WORKSPACES := $(CURDIR)/$(VENV)/lab-workspaces
ALLOW_ROOT     := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	@mkdir -p $(LAB_WORKSPACES)
	@JUPYTERLAB_WORKSPACES_DIR=$(LAB_WORKSPACES) $(BIN)/jupyter lab workspaces import jupyter/day76.jupyterlab-workspace >/dev/null
	JUPYTER_PATH=$(CURDIR)/jupyter JUPYTER_CONFIG_PATH=$(CURDIR)/homework JUPYTERLAB_WORKSPACES_DIR=$(LAB_WORKSPACES) \
	  $(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/workspaces/day76 $(ALLOW_ROOT) $(LAB_ARGS)

# nbgrader validate with the course's settings and the students' kernel (no TensorFlow C++ logs in
# the checked cells): make validate NB=homework/release/day76/Day76-Optimizer_HW.ipynb
NB ?= homework/release/day76/Day76-Optimizer_HW.ipynb
validate: setup
	cd homework && JUPYTER_PATH=$(CURDIR)/jupyter $(BIN)/nbgrader validate $(abspath $(NB))

bench: setup
	$(BIN)/python benchmarks/run_all.py

# Instructors: regenerate the student version after editing homework/source/ (tests check it is current).
release: setup
	$(BIN)/python -m autograder release

# Strip outputs and execution counts from every committed notebook.
strip: setup
	$(BIN)/python -m autograder strip $$(git ls-files '*.ipynb')

clean:
	rm -rf homework/submitted homework/autograded homework/feedback homework/gradebook.db .pytest_cache build

distclean: clean
	rm -rf $(VENV)
