# Deploying PetTube to AWS (docs/deploy.md). Included by the top-level Makefile,
# which defines PY (the venv's python) and _truthy.
#
#   make deploy GOOGLE_CLIENT_ID=123-abc.apps.googleusercontent.com STAGE=prod REGION=us-east-1
#   make deploy ... DRY_RUN=1          show the change set, apply nothing
#   make deploy ... ALARM_EMAIL=ops@example.com
#   make deploy ... SITE_HOSTING=PrivateBucket   the site bucket private, read by CloudFront only
#   make destroy STAGE=prod REGION=us-east-1 [YES=1]
#   make architecture                  redraw docs/architecture.svg from the template (Graphviz dot)

STAGE ?= prod
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))
GOOGLE_CLIENT_ID ?=
ALARM_EMAIL ?=
SITE_HOSTING ?= S3Website
DRY_RUN ?=
YES ?=
SITE_BUILD ?= $(PY) -m tools.site_build
DEPLOY = PYTHONDONTWRITEBYTECODE=1 $(PY) -m deploy
DEPLOY_ARGS = --stage "$(STAGE)" --region "$(REGION)" --google-client-id "$(GOOGLE_CLIENT_ID)" --alarm-email "$(ALARM_EMAIL)" \
              --site-hosting "$(SITE_HOSTING)"

.PHONY: deploy destroy architecture

# Parameters are checked first, so a typo fails in a second, not after the site build.
deploy:
	$(DEPLOY) deploy $(DEPLOY_ARGS) --check
	$(if $(call _truthy,$(DRY_RUN)),,$(SITE_BUILD) --release)
	$(DEPLOY) deploy $(DEPLOY_ARGS) $(if $(call _truthy,$(DRY_RUN)),--dry-run)

destroy:
	$(DEPLOY) destroy --stage "$(STAGE)" --region "$(REGION)" $(if $(call _truthy,$(YES)),--yes)

# Drawn from infra/template.yaml (tools/architecture); rendering needs Graphviz's dot.
architecture:
	$(PY) -m tools.architecture
