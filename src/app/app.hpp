// gh::app: the composition root. Parses the command line, builds every service once at boot
// in dependency order, and runs the chosen command: serve, migrate, demo.
#pragma once

namespace gh::app {

// Returns the process exit code.
int run(int argc, char** argv);

}  // namespace gh::app
