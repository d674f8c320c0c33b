// The `awc` binary: a thin layer of subcommands over the compiler, runtime and
// simulator libraries.
#include "commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#ifndef AWC_VERSION
#define AWC_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  using namespace awc::cli;
  CLI::App app{"awc — the agentic workflow compiler", "awc"};
  app.set_version_flag("--version", std::string("awc ") + AWC_VERSION);
  app.require_subcommand(1);
  CommandResult result;
  addCompilerCommands(app, result);
  addSimCommand(app, result);
  addRunCommand(app, result);
  addLintCommand(app, result);
  addTuneCommand(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "awc: internal error: %s\n", e.what());
    return 70;
  }
  return result.exitCode;
}
