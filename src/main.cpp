// guildhall: the one binary. Everything happens in app::run.
#include "app/app.hpp"

int main(int argc, char** argv) {
  return gh::app::run(argc, argv);
}
