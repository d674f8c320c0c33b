// Lexing and the pre-scan: runs the ANTLR lexer token by token, turns lexical problems
// (stray characters, unterminated strings and comments) into diagnostics, and bounds
// nesting and operator runs before the parser ever sees the tokens, so hostile input
// cannot exhaust the stack or memory.
#include "internal.h"

#include <fmt/format.h>
#include <unordered_map>

namespace awc::syntax {

using antlr4::Token;
using awc::FlowLexer;

namespace {

/// Literal token spellings -> types, read once from the generated vocabulary.
struct TokenTable {
  std::unordered_map<std::string, size_t> bySpelling;
  std::vector<bool> keyword;
  std::vector<std::string> literal; // "'{'" per type, empty for symbolic tokens

  TokenTable() {
    antlr4::ANTLRInputStream empty("");
    FlowLexer lexer(&empty);
    const auto& vocab = lexer.getVocabulary();
    size_t max = vocab.getMaxTokenType();
    keyword.assign(max + 1, false);
    literal.assign(max + 1, "");
    for (size_t t = 1; t <= max; ++t) {
      std::string lit = vocab.getLiteralName(t);
      if (lit.size() < 3) continue;
      literal[t] = lit;
      std::string spelling = lit.substr(1, lit.size() - 2);
      bySpelling[spelling] = t;
      keyword[t] = std::isalpha(static_cast<unsigned char>(spelling[0])) != 0;
    }
  }
};

const TokenTable& table() {
  static const TokenTable t;
  return t;
}

/// Length of the UTF-8 sequence a lead byte starts (1 for invalid leads).
size_t utf8Length(unsigned char c) {
  if (c < 0xC0) return 1;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  if (c < 0xF8) return 4;
  return 1;
}

std::string quoteChar(std::string_view bytes) {
  unsigned char c = static_cast<unsigned char>(bytes[0]);
  if (c < 0x20 || c == 0x7F) return fmt::format("'\\x{:02X}'", c);
  return fmt::format("'{}'", bytes);
}

} // namespace

bool isKeywordToken(size_t type) {
  const auto& t = table();
  return type < t.keyword.size() && t.keyword[type];
}

size_t literalTokenType(std::string_view spelling) {
  const auto& t = table();
  auto it = t.bySpelling.find(std::string(spelling));
  return it == t.bySpelling.end() ? 0 : it->second;
}

std::string describeTokenType(size_t type) {
  switch (type) {
  case Token::EOF:
    return "end of file";
  case FlowLexer::IDENT:
    return "identifier";
  case FlowLexer::INT:
    return "integer";
  case FlowLexer::FLOAT:
    return "number";
  case FlowLexer::DURATION:
    return "duration";
  case FlowLexer::STRING:
    return "string";
  case FlowLexer::TRIPLE_STRING:
    return "triple-quoted string";
  case FlowLexer::RAW_STRING:
    return "raw string";
  default:
    break;
  }
  const auto& t = table();
  if (type < t.literal.size() && !t.literal[type].empty()) return t.literal[type];
  return "token";
}

std::string describeToken(const Token* token, std::string_view text, uint32_t base) {
  size_t type = token->getType();
  if (type == Token::EOF) return "end of file";
  size_t b = token->getStartIndex() + base, e = token->getStopIndex() + 1 + base;
  std::string_view spelling;
  if (b < e && e <= text.size()) spelling = text.substr(b, e - b);
  if (spelling.size() > 40) spelling = spelling.substr(0, 40);
  switch (type) {
  case FlowLexer::IDENT:
    return fmt::format("identifier '{}'", spelling);
  case FlowLexer::INT:
  case FlowLexer::FLOAT:
  case FlowLexer::DURATION:
    return fmt::format("number '{}'", spelling);
  default:
    break;
  }
  if (isKeywordToken(type)) return fmt::format("keyword '{}'", spelling);
  return describeTokenType(type);
}

LexResult lexAndScan(ParseState& state, antlr4::CharStream& input, FlowLexer& lexer,
                     uint32_t base) {
  LexResult result;
  const auto& T = table();
  const size_t tLParen = T.bySpelling.at("("), tRParen = T.bySpelling.at(")");
  const size_t tLBrack = T.bySpelling.at("["), tRBrack = T.bySpelling.at("]");
  const size_t tLBrace = T.bySpelling.at("{"), tRBrace = T.bySpelling.at("}");
  const size_t tMinus = T.bySpelling.at("-"), tNot = T.bySpelling.at("not");
  const size_t tSlash = T.bySpelling.at("/"), tStar = T.bySpelling.at("*");
  const size_t tIf = T.bySpelling.at("if"), tElse = T.bySpelling.at("else");
  const size_t tLess = T.bySpelling.at("<");
  std::vector<bool> isOperator(T.literal.size(), false), resetsRun(T.literal.size(), false);
  for (const char* op :
       {".", "*", "/", "%", "+", "-", "<", "<=", ">", ">=", "==", "!=", "and", "or"})
    isOperator[T.bySpelling.at(op)] = true;
  for (const char* r : {"=", ",", ":", "->", "return", "system", "user"})
    resetsRun[T.bySpelling.at(r)] = true;

  const ParseOptions& opt = state.options;
  const std::string_view src = state.text.substr(base, input.size());
  auto lineEnd = [&](size_t from) {
    size_t nl = src.find('\n', from);
    return nl == std::string_view::npos ? src.size() : nl;
  };

  // Per nesting level: operators since the last statement/argument boundary, and the
  // length of the current `else if` chain. Both bound how deep the parse tree can get.
  std::vector<size_t> opsAtLevel(1, 0), elseIfAtLevel(1, 0);
  std::vector<uint32_t> openers;
  size_t prefixRun = 0, angleRun = 0;
  size_t skipUntil = 0;    // drop tokens starting before this (swallowed by an error)
  bool swallowAll = false; // drop everything up to EOF
  const size_t exprRunLimit = opt.maxExprDepth * 4;

  auto prevTok = [&]() -> Token* {
    return result.tokens.empty() ? nullptr : result.tokens.back().get();
  };
  auto fail = [&](DiagCode code, size_t at, size_t len, std::string msg) {
    state.diags.report(code, state.range(base + at, base + at + len), std::move(msg));
    result.ok = false;
  };
  auto synthesize = [&](Token* like, size_t type, size_t start, size_t stop) {
    auto t = std::make_unique<antlr4::CommonToken>(
        std::make_pair(like->getTokenSource(), like->getInputStream()), type,
        Token::DEFAULT_CHANNEL, start, stop);
    t->setText(std::string(src.substr(start, stop + 1 - start)));
    return t;
  };

  for (;;) {
    std::unique_ptr<Token> tok = lexer.nextToken();
    size_t type = tok->getType();
    if (type == Token::EOF) {
      result.tokens.push_back(std::move(tok));
      break;
    }
    if (tok->getChannel() != Token::DEFAULT_CHANNEL) continue;
    size_t b = tok->getStartIndex(), e = tok->getStopIndex() + 1;
    if (swallowAll || b < skipUntil) continue;
    Token* prev = prevTok();

    if (type == FlowLexer::UNKNOWN_CHAR) {
      char c = src[b];
      if (c == '"' && prev && prev->getStopIndex() + 1 == b &&
          ((prev->getType() == FlowLexer::STRING && e - prev->getStartIndex() == 3) ||
           (prev->getType() == FlowLexer::RAW_STRING && e - prev->getStartIndex() == 4))) {
        // `"""text` without a closing `"""` lexes as `""` then a lone `"`.
        bool raw = prev->getType() == FlowLexer::RAW_STRING;
        size_t start = prev->getStartIndex();
        state.error(DiagCode::UnterminatedString, state.range(base + start, base + e),
                    "unterminated triple-quoted string: no closing \"\"\" before end of file");
        auto t = synthesize(prev, raw ? FlowLexer::RAW_STRING : FlowLexer::TRIPLE_STRING, start,
                            src.size() - 1);
        result.tokens.back() = std::move(t);
        swallowAll = true;
        result.swallowedToEof = true;
        continue;
      }
      if (c == '"' || c == '\'') {
        size_t start = b;
        const char* what = "unterminated string literal";
        size_t type = FlowLexer::STRING;
        if (c == '"' && prev && prev->getType() == FlowLexer::IDENT &&
            prev->getStopIndex() + 1 == b && prev->getStopIndex() == prev->getStartIndex() &&
            src[prev->getStartIndex()] == 'r') {
          start = prev->getStartIndex();
          what = "unterminated raw string literal";
          type = FlowLexer::RAW_STRING;
          result.tokens.pop_back();
        }
        size_t end = lineEnd(b);
        if (end > b + 1 && src[end - 1] == '\r') --end;
        Diagnostic* d = state.error(DiagCode::UnterminatedString,
                                    state.range(base + start, base + b + 1), what);
        if (d)
          d->hints.push_back(end < src.size()
                                 ? "strings end on the line they start; use \"\"\"...\"\"\" for "
                                   "multi-line text"
                                 : "add the closing quote");
        result.tokens.push_back(
            synthesize(tok.get(), type, start, end - 1 < start ? start : end - 1));
        skipUntil = end;
        continue;
      }
      size_t len = 1;
      if (static_cast<unsigned char>(c) >= 0x80)
        len = std::min(utf8Length(static_cast<unsigned char>(c)), src.size() - b);
      Diagnostic* d =
          state.error(DiagCode::InvalidCharacter, state.range(base + b, base + b + len),
                      fmt::format("unexpected character {}", quoteChar(src.substr(b, len))));
      if (d && c == '#') d->hints.push_back("comments start with //");
      if (d && c == ';') d->hints.push_back("statements need no separator; remove the ';'");
      skipUntil = b + len;
      continue;
    }

    // `/*` without `*/` lexes as '/' then '*': the comment runs to the end of the text.
    if (type == tStar && prev && prev->getType() == tSlash && prev->getStopIndex() + 1 == b) {
      size_t start = prev->getStartIndex();
      state.error(DiagCode::UnterminatedComment, state.range(base + start, base + e),
                  "unterminated block comment: no closing */ before end of file");
      result.tokens.pop_back();
      swallowAll = true;
      result.swallowedToEof = true;
      continue;
    }

    // --- pre-scan limits -------------------------------------------------------------
    size_t level = openers.size();
    if (type == tMinus || type == tNot) {
      if (++prefixRun > opt.maxNesting) {
        fail(DiagCode::NestingTooDeep, b, e - b,
             fmt::format("more than {} prefix operators in a row", opt.maxNesting));
        return result;
      }
    } else {
      prefixRun = 0;
    }
    if (type == tLess && prev && prev->getType() == FlowLexer::IDENT) {
      if (++angleRun > opt.maxNesting) {
        fail(DiagCode::NestingTooDeep, b, e - b,
             fmt::format("type arguments nested deeper than {} levels", opt.maxNesting));
        return result;
      }
    } else if (type != FlowLexer::IDENT) {
      angleRun = 0;
    }
    bool postfixIndex = type == tLBrack && prev &&
                        (prev->getType() == FlowLexer::IDENT || prev->getType() == tRParen ||
                         prev->getType() == tRBrack);
    if ((type < isOperator.size() && isOperator[type]) || postfixIndex) {
      if (++opsAtLevel[level] > exprRunLimit) {
        fail(DiagCode::ExpressionTooDeep, b, e - b,
             fmt::format("expression too long: more than {} operators without a break",
                         exprRunLimit));
        return result;
      }
    } else if (type < resetsRun.size() && resetsRun[type]) {
      opsAtLevel[level] = 0;
      elseIfAtLevel[level] = 0;
    }
    if (type == tIf && prev && prev->getType() == tElse) {
      if (++elseIfAtLevel[level] > opt.maxExprDepth) {
        fail(DiagCode::ExpressionTooDeep, b, e - b,
             fmt::format("'else if' chain longer than {} arms", opt.maxExprDepth));
        return result;
      }
    }
    if (type == tLParen || type == tLBrack || type == tLBrace) {
      openers.push_back(static_cast<uint32_t>(base + b));
      opsAtLevel.push_back(0);
      elseIfAtLevel.push_back(0);
      if (openers.size() > opt.maxNesting) {
        fail(DiagCode::NestingTooDeep, b, e - b,
             fmt::format("brackets nested deeper than {} levels", opt.maxNesting));
        return result;
      }
    } else if ((type == tRParen || type == tRBrack || type == tRBrace) && !openers.empty()) {
      openers.pop_back();
      opsAtLevel.pop_back();
      elseIfAtLevel.pop_back();
    }
    result.tokens.push_back(std::move(tok));
  }
  result.unclosed = std::move(openers);
  return result;
}

} // namespace awc::syntax
