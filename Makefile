# Shortcuts for the scripts the README documents.
.PHONY: run test wall bench
run:
	scripts/run
wall:
	scripts/run --wall
test:
	scripts/test
bench:
	scripts/bench
