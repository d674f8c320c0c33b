// parseModule: size and UTF-8 checks, lexing and pre-scan, a two-stage ANTLR parse (fast
// SLL with bail-out, then full LL with error recovery only when SLL fails), and the
// transformation to the AST — all on a thread with a large stack as a second line of
// defence against deep input.
#include "internal.h"

#include <exception>
#include <fmt/format.h>
#include <functional>
#include <pthread.h>

namespace awc::syntax {

using awc::FlowLexer;
using awc::FlowParser;

namespace {

/// Offset of the first byte that is not part of valid UTF-8, if any.
std::optional<size_t> firstInvalidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::nullopt;
}

struct ThreadCall {
  std::function<void()> fn;
  std::exception_ptr error;
};

void* runThreadCall(void* arg) {
  auto* call = static_cast<ThreadCall*>(arg);
  try {
    call->fn();
  } catch (...) {
    call->error = std::current_exception();
  }
  return nullptr;
}

/// Runs `fn` on a thread with a 64 MB stack (std::thread cannot set one); inline if the
/// thread cannot be created. Rethrows what `fn` threw.
void runWithLargeStack(std::function<void()> fn) {
  ThreadCall call{std::move(fn), nullptr};
  pthread_attr_t attr;
  bool started = false;
  pthread_t thread;
  if (pthread_attr_init(&attr) == 0) {
    if (pthread_attr_setstacksize(&attr, size_t(64) << 20) == 0)
      started = pthread_create(&thread, &attr, runThreadCall, &call) == 0;
    pthread_attr_destroy(&attr);
  }
  if (started)
    pthread_join(thread, nullptr);
  else
    runThreadCall(&call);
  if (call.error) std::rethrow_exception(call.error);
}

/// Parses `tokens` with `entry`, first in SLL mode with bail-out (the fast path that
/// valid input takes), then — only if that failed — in LL mode with recovery and the
/// diagnostics listener.
template <typename Ctx>
Ctx* twoStageParse(FlowParser& parser, antlr4::CommonTokenStream& tokens,
                   SyntaxErrorListener& listener, Ctx* (FlowParser::*entry)()) {
  parser.removeErrorListeners();
  auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    return (parser.*entry)();
  } catch (antlr4::ParseCancellationException&) {
  } catch (antlr4::RecognitionException&) {
  }
  tokens.seek(0);
  parser.reset();
  sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
  parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
  parser.addErrorListener(&listener);
  return (parser.*entry)();
}

std::unique_ptr<ast::Module> parseFileImpl(ParseState& state) {
  ByteStream input(state.text);
  FlowLexer lexer(&input);
  lexer.removeErrorListeners();
  LexResult lex = lexAndScan(state, input, lexer, 0);
  if (!lex.ok) {
    auto module = std::make_unique<ast::Module>();
    module->file = state.file;
    return module;
  }
  antlr4::ListTokenSource source(std::move(lex.tokens));
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();
  FlowParser parser(&tokens);
  SyntaxErrorListener listener(state, 0, lex);
  FlowParser::File_Context* tree = twoStageParse(parser, tokens, listener, &FlowParser::file_);
  Transformer transformer(state, 0);
  return transformer.transformFile(tree);
}

} // namespace

ast::ExprPtr parseHole(ParseState& state, uint32_t begin, uint32_t end) {
  // Quotes cannot nest inside one another without bound, but make sure of it.
  if (state.holeDepth >= 8) {
    state.error(DiagCode::BadInterpolation, state.range(begin, end),
                "interpolations nested too deeply");
    return nullptr;
  }
  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(depth) { ++d; }
    ~DepthGuard() { --d; }
  } guard(state.holeDepth);

  ByteStream input(state.text.substr(begin, end - begin));
  FlowLexer lexer(&input);
  lexer.removeErrorListeners();
  LexResult lex = lexAndScan(state, input, lexer, begin);
  if (!lex.ok) return nullptr;
  antlr4::ListTokenSource source(std::move(lex.tokens));
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();
  FlowParser parser(&tokens);
  SyntaxErrorListener listener(state, begin, lex);
  FlowParser::ExprOnlyContext* tree =
      twoStageParse(parser, tokens, listener, &FlowParser::exprOnly);
  Transformer transformer(state, begin);
  return tree ? transformer.transformExpr(tree->expr()) : nullptr;
}

std::unique_ptr<ast::Module> parseModule(FileId file, const SourceManager& sources,
                                         DiagnosticEngine& diags, const ParseOptions& options) {
  std::unique_ptr<ast::Module> module;
  try {
    std::string_view text = sources.text(file);
    if (text.size() > options.maxFileBytes || text.size() > UINT32_MAX - 1) {
      diags.report(DiagCode::SourceTooLarge, {file, 0, 0},
                   fmt::format("source file is {} bytes; the limit is {}", text.size(),
                               options.maxFileBytes));
    } else if (auto bad = firstInvalidUtf8(text)) {
      // Lexing would still work (bytes map to code points one to one), but every later
      // message about such a file would be about its encoding; stop at the first cause.
      uint32_t at = static_cast<uint32_t>(*bad);
      diags.report(DiagCode::InvalidUtf8, {file, at, at + 1},
                   fmt::format("invalid UTF-8 byte 0x{:02X}; .flow files must be UTF-8",
                               static_cast<unsigned char>(text[at])));
    } else {
      ParseState state{file, sources, diags, options, text, {}, 0};
      runWithLargeStack([&] { module = parseFileImpl(state); });
    }
  } catch (const std::exception& e) {
    diags.report(DiagCode::SyntaxError, {file, 0, 0},
                 fmt::format("internal parser error: {}", e.what()));
  } catch (...) {
    diags.report(DiagCode::SyntaxError, {file, 0, 0}, "internal parser error");
  }
  if (!module) module = std::make_unique<ast::Module>();
  module->file = file;
  return module;
}

} // namespace awc::syntax
