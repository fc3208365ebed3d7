// @msg/sim is not built yet: see README.md. It exports nothing until an issue asks for the emulator.
export {};
