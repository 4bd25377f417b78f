# tests/soak/: long soak and fault tests, not part of `make test`:
#   make soak    1,000 containers, 300 bare-metal VMs back to back, and 50
#                `container run`/`create` SIGKILLed during setup each
#                (SOAK_CONTAINERS, SOAK_VMS, SOAK_KILLS change the counts)
.PHONY: soak
soak: build
	@tests/run-e2e.sh tests/soak/containers.sh tests/soak/vms.sh tests/soak/killed-setup.sh
