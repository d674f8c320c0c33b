// Subcommands of the `awc` binary. Each lives in its own file and registers itself on
// the CLI11 app; a command's callback stores its exit code in the shared CommandResult.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace awc {
struct CompileOptions;
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
void addTuneCommand(CLI::App& app, CommandResult& result);      // tune

/// Applies `-f` flags (`-fno-<pass>`, `-frightsize=classify,extract`) to `o`; prints the
/// problem (prefixed with `command`) and returns false on an unknown or malformed one.
bool applyFFlags(const std::vector<std::string>& flags, CompileOptions& o, const char* command);

} // namespace awc::cli
