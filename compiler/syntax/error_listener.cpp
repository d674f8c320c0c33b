// ANTLR syntax errors -> awc diagnostics. ANTLR's own messages ("mismatched input ...
// expecting {...}") are replaced by "expected X, found Y" with grouped token names and
// cheap hints (reserved words used as names, a workflow without `return`, ...).
#include "internal.h"

#include <fmt/format.h>

namespace awc::syntax {

using awc::FlowLexer;
using awc::FlowParser;

namespace {

std::string joinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

/// "an expression", "'}'", "'=' or ':'" — the expected set, grouped so it stays short.
std::string describeExpected(const antlr4::misc::IntervalSet& expected) {
  static const std::vector<size_t> exprStarts = [] {
    std::vector<size_t> v = {FlowLexer::INT,    FlowLexer::FLOAT,         FlowLexer::DURATION,
                             FlowLexer::STRING, FlowLexer::TRIPLE_STRING, FlowLexer::RAW_STRING};
    for (const char* s : {"(", "[", "if", "llm", "map", "reduce", "not", "true", "false"})
      v.push_back(literalTokenType(s));
    return v;
  }();
  static const std::vector<size_t> operators = [] {
    std::vector<size_t> v;
    for (const char* s : {".", "*", "/", "%", "+", "<", "<=", ">", ">=", "==", "!=", "and", "or"})
      v.push_back(literalTokenType(s));
    return v;
  }();
  std::vector<size_t> types;
  for (ssize_t t : expected.toList())
    if (t >= 0 || t == -1) types.push_back(static_cast<size_t>(t == -1 ? antlr4::Token::EOF : t));
  auto count = [&](const std::vector<size_t>& group) {
    size_t n = 0;
    for (size_t t : types)
      n += std::find(group.begin(), group.end(), t) != group.end();
    return n;
  };
  auto remove = [&](const std::vector<size_t>& group) {
    types.erase(std::remove_if(types.begin(), types.end(),
                               [&](size_t t) {
                                 return std::find(group.begin(), group.end(), t) != group.end();
                               }),
                types.end());
  };
  static const std::vector<size_t> declStarts = [] {
    std::vector<size_t> v;
    for (const char* s : {"import", "host", "model", "ladder", "type", "tool", "const", "workflow"})
      v.push_back(literalTokenType(s));
    return v;
  }();
  // `name` admits identifiers and most keywords (field names, option keys).
  static const std::vector<size_t> nameKeywords = [] {
    std::vector<size_t> v;
    for (const char* s :
         {"type", "model", "tool", "host", "http", "ladder", "const", "import", "enum", "auto",
          "with", "in", "map", "reduce", "return", "workflow", "llm"})
      v.push_back(literalTokenType(s));
    return v;
  }();
  std::vector<std::string> items;
  if (count(nameKeywords) == nameKeywords.size() &&
      std::find(types.begin(), types.end(), size_t(FlowLexer::IDENT)) != types.end()) {
    remove(nameKeywords);
    remove({FlowLexer::IDENT});
    items.push_back("a name");
  }
  if (count(declStarts) >= 4) {
    remove(declStarts);
    remove({antlr4::Token::EOF});
    items.push_back("a declaration (import, host, model, ladder, type, tool, const, workflow)");
  }
  bool expression = count(exprStarts) >= 5;
  if (expression) {
    remove(exprStarts);
    // These start an expression too; naming them separately would only add noise.
    remove({FlowLexer::IDENT, literalTokenType("-"), literalTokenType("{")});
    items.push_back("an expression");
  }
  bool op = count(operators) >= 4;
  if (op) {
    remove(operators);
    remove({literalTokenType("["), literalTokenType("-")});
  }
  for (size_t t : types)
    items.push_back(describeTokenType(t));
  if (items.empty() && op) items.push_back("an operator");
  if (items.size() > 6) {
    items.resize(5);
    items.push_back("...");
  }
  return joinAlternatives(items);
}

bool inRule(antlr4::Parser* parser, size_t rule) {
  for (antlr4::RuleContext* ctx = parser->getContext(); ctx;
       ctx = dynamic_cast<antlr4::RuleContext*>(ctx->parent))
    if (ctx->getRuleIndex() == rule) return true;
  return false;
}

} // namespace

void SyntaxErrorListener::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending,
                                      size_t, size_t, const std::string&, std::exception_ptr e) {
  auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
  if (!parser) return;
  antlr4::Token* tok = offending ? offending : parser->getCurrentToken();
  if (!tok) return;
  bool atEof = tok->getType() == antlr4::Token::EOF;
  if (atEof && lex_.swallowedToEof) return; // the lexical error already said it all

  antlr4::misc::IntervalSet expected;
  try {
    if (e) std::rethrow_exception(e);
    expected = parser->getExpectedTokens();
  } catch (antlr4::RecognitionException& re) {
    expected = re.getExpectedTokens();
  } catch (...) {
    return;
  }

  // Cascade control: one error per statement or declaration, none within a few tokens of
  // the previous one, and none at the end of the text once something was reported.
  antlr4::ParserRuleContext* unit = nullptr;
  for (antlr4::ParserRuleContext* ctx = parser->getContext(); ctx;
       ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    size_t rule = ctx->getRuleIndex();
    if (rule == FlowParser::RuleStatement || rule == FlowParser::RuleReturnStmt ||
        rule == FlowParser::RuleItem) {
      unit = ctx;
      break;
    }
  }
  size_t index = tok->getTokenIndex();
  bool cascade = reported_ && ((unit && unit == lastUnit_) || atEof ||
                               (index != INVALID_INDEX && index <= lastIndex_ + 3));
  if (cascade) return;

  uint32_t b = static_cast<uint32_t>(tok->getStartIndex() + base_);
  uint32_t end = atEof ? b : static_cast<uint32_t>(tok->getStopIndex() + 1 + base_);
  std::string found =
      atEof && base_ > 0 ? "the end of the interpolation" : describeToken(tok, state_.text, base_);
  std::string want = describeExpected(expected);
  std::string message = want.empty() ? fmt::format("unexpected {}", found)
                                     : fmt::format("expected {}, found {}", want, found);
  Diagnostic* d = state_.error(DiagCode::SyntaxError, state_.range(b, end), message);
  reported_ = true;
  lastUnit_ = unit;
  lastIndex_ = index == INVALID_INDEX ? 0 : index;
  if (!d) return;

  size_t type = tok->getType();
  bool wantsName = expected.contains(size_t(FlowLexer::IDENT));
  std::string word(state_.text.substr(b, end - b));
  if (isKeywordToken(type) && wantsName && word != "return") {
    d->hints.push_back(fmt::format("'{}' is a reserved word and cannot name a step or value; "
                                   "rename it (e.g. '{}_')",
                                   word, word));
  }
  size_t tReturn = literalTokenType("return"), tArrow = literalTokenType("->");
  if (expected.contains(tReturn) && type == literalTokenType("}") &&
      parser->getContext()->getRuleIndex() == FlowParser::RuleWorkflowDecl)
    d->hints.push_back("a workflow body must end with 'return <expression>'");
  if (expected.contains(tArrow) && !expected.contains(size_t(FlowLexer::IDENT))) {
    if (inRule(parser, FlowParser::RulePrimary))
      d->hints.push_back("a model step names its result type: llm MODEL -> TYPE { ... }");
    else
      d->hints.push_back("the result type follows '->', e.g. '-> string'");
  }
  if (expected.contains(literalTokenType("=")) && inRule(parser, FlowParser::RuleStatement))
    d->hints.push_back("a step is written 'name = expression'");
  if (type == FlowLexer::IDENT && expected.contains(literalTokenType("workflow")))
    d->hints.push_back("steps belong inside a workflow; at top level a file holds declarations");
  if (atEof && !lex_.unclosed.empty()) {
    uint32_t open = lex_.unclosed.back();
    d->notes.push_back({state_.range(open, open + 1),
                        fmt::format("unclosed '{}' opened here", state_.text.substr(open, 1))});
  }
}

Diagnostic* ParseState::error(DiagCode code, SourceRange range, std::string message) {
  uint32_t line = sources.lineCol(range).line;
  if (!errorLines.insert(line).second) return nullptr;
  return &diags.report(code, range, std::move(message));
}

} // namespace awc::syntax
