"""Local development tools: never deployed. The gateway, the embedded AWS endpoint, the secrets
extension stub, the X API emulator and the commands behind `make run/send/queue/admin`."""
