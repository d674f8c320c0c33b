// Subcommands of the `awc` binary. Each lives in its own file and registers itself on
// the CLI11 app; a command's callback stores its exit code in the shared CommandResult.
#pragma once

namespace CLI {
class App;
}

namespace awc::cli {

/// Exit codes shared by every subcommand.
enum ExitCode : int { kExitOk = 0, kExitInputErrors = 1, kExitUsage = 2 };

struct CommandResult {
  int exitCode = kExitOk;
};

void addCompilerCommands(CLI::App& app, CommandResult& result); // build, check, graph, explain
void addSimCommand(CLI::App& app, CommandResult& result);       // sim
void addRunCommand(CLI::App& app, CommandResult& result);       // run
void addLintCommand(CLI::App& app, CommandResult& result);      // lint

} // namespace awc::cli
