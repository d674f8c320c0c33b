// String literals: escape decoding, `{expr}` holes (each parsed by a fresh parser with
// offsets mapped back into the file) and the layout rule of triple-quoted strings.
//
// Triple-quoted strings ("""...""" and r"""..."""):
//   1. A line break right after the opening """ is not part of the text.
//   2. If the last line holds only spaces/tabs before the closing """, those blanks are
//      dropped (the text then ends with the preceding line break).
//   3. The common indentation — the smallest number of leading space/tab bytes over all
//      lines that contain something else — is removed from every line (blank lines lose
//      up to that much). Indentation is counted in bytes: do not mix tabs and spaces.
// Escapes are decoded after this, so `\t` written in the text is never taken for indentation.
#include "internal.h"

#include <fmt/format.h>

namespace awc::syntax {

using awc::FlowLexer;
namespace A = awc::ast;

namespace {

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t utf8Len(unsigned char c) {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

struct Content {
  uint32_t begin = 0, end = 0; // file offsets of the text between the delimiters
  bool terminated = true;
  bool triple = false;
  bool raw = false;
  A::StringExpr::Style style = A::StringExpr::Style::Quoted;
};

Content contentOf(std::string_view text, size_t type, uint32_t b, uint32_t e) {
  Content c;
  std::string_view tok = text.substr(b, e - b);
  auto endsWith = [&](std::string_view s) {
    return tok.size() >= s.size() && tok.substr(tok.size() - s.size()) == s;
  };
  if (type == FlowLexer::RAW_STRING) {
    c.raw = true;
    c.style = A::StringExpr::Style::Raw;
    c.triple = tok.substr(0, 4) == "r\"\"\"";
    size_t open = c.triple ? 4 : 2, close = c.triple ? 3 : 1;
    c.terminated = tok.size() >= open + close && endsWith(c.triple ? "\"\"\"" : "\"");
    c.begin = b + static_cast<uint32_t>(std::min(open, tok.size()));
    c.end = c.terminated ? e - static_cast<uint32_t>(close) : e;
  } else if (type == FlowLexer::TRIPLE_STRING) {
    c.triple = true;
    c.style = A::StringExpr::Style::Triple;
    c.terminated = tok.size() >= 6 && endsWith("\"\"\"");
    c.begin = b + static_cast<uint32_t>(std::min<size_t>(3, tok.size()));
    c.end = c.terminated ? e - 3 : e;
  } else {
    c.terminated = tok.size() >= 2 && tok.back() == tok.front();
    c.begin = b + 1;
    c.end = c.terminated ? e - 1 : e;
  }
  if (c.end < c.begin) c.end = c.begin;
  return c;
}

/// Byte ranges [first, second) that rule 1–3 of the triple-string layout removes, sorted;
/// also moves `c.begin` past a leading line break.
std::vector<std::pair<uint32_t, uint32_t>> layoutDrops(std::string_view text, Content& c) {
  std::vector<std::pair<uint32_t, uint32_t>> drops;
  if (text.substr(c.begin, 1) == "\n")
    c.begin += 1;
  else if (text.substr(c.begin, 2) == "\r\n")
    c.begin += 2;
  struct Line {
    uint32_t begin, indentEnd, end;
    bool blank;
  };
  std::vector<Line> lines;
  uint32_t pos = c.begin;
  while (true) {
    Line line{pos, pos, pos, true};
    while (line.indentEnd < c.end && (text[line.indentEnd] == ' ' || text[line.indentEnd] == '\t'))
      ++line.indentEnd;
    line.end = line.indentEnd;
    while (line.end < c.end && text[line.end] != '\n')
      ++line.end;
    line.blank = line.indentEnd == line.end ||
                 (line.end == line.indentEnd + 1 && text[line.indentEnd] == '\r');
    lines.push_back(line);
    if (line.end >= c.end) break;
    pos = line.end + 1;
  }
  size_t common = SIZE_MAX;
  for (const Line& l : lines)
    if (!l.blank) common = std::min<size_t>(common, l.indentEnd - l.begin);
  if (common == SIZE_MAX) common = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    bool closingLine = i + 1 == lines.size() && lines.size() > 1 && l.blank && l.end == c.end;
    uint32_t cut =
        closingLine
            ? l.end
            : l.begin + static_cast<uint32_t>(std::min<size_t>(common, l.indentEnd - l.begin));
    if (cut > l.begin) drops.push_back({l.begin, cut});
  }
  return drops;
}

/// The `}` closing the hole opened at `open`, skipping nested braces and quoted text.
std::optional<uint32_t> findHoleEnd(std::string_view text, uint32_t open, uint32_t end) {
  int depth = 1;
  for (uint32_t i = open + 1; i < end; ++i) {
    char c = text[i];
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return i;
    } else if (c == '"' || c == '\'') {
      uint32_t j = i + 1;
      while (j < end && text[j] != c)
        j += text[j] == '\\' ? 2 : 1;
      if (j >= end) return std::nullopt;
      i = j;
    }
  }
  return std::nullopt;
}

} // namespace

A::ExprPtr Transformer::transformString(antlr4::Token* token) {
  SourceRange range = rangeOf(token);
  const std::string_view text = state_.text;
  Content c = contentOf(text, token->getType(), range.begin, range.end);
  auto expr = std::make_unique<A::StringExpr>(range, c.style);
  if (!c.terminated) {
    // Already reported by the lexer; keep the text so later stages still see a string.
    expr->parts.push_back({std::string(text.substr(c.begin, c.end - c.begin)), nullptr,
                           state_.range(c.begin, c.end)});
    return expr;
  }
  std::vector<std::pair<uint32_t, uint32_t>> drops;
  if (c.triple) drops = layoutDrops(text, c);

  std::string cur;
  uint32_t curBegin = c.begin;
  auto flush = [&](uint32_t at) {
    if (!cur.empty()) expr->parts.push_back({std::move(cur), nullptr, state_.range(curBegin, at)});
    cur.clear();
  };
  size_t di = 0;
  uint32_t pos = c.begin;
  while (pos < c.end) {
    while (di < drops.size() && drops[di].second <= pos)
      ++di;
    if (di < drops.size() && drops[di].first <= pos) {
      pos = drops[di].second;
      continue;
    }
    if (cur.empty()) curBegin = pos;
    char ch = text[pos];
    if (c.raw) {
      cur += ch;
      ++pos;
      continue;
    }
    if (ch == '\\' && pos + 1 < c.end) {
      char n = text[pos + 1];
      uint32_t next = pos + 2;
      switch (n) {
      case 'n':
        cur += '\n';
        break;
      case 't':
        cur += '\t';
        break;
      case 'r':
        cur += '\r';
        break;
      case '"':
      case '\'':
      case '\\':
      case '{':
      case '}':
        cur += n;
        break;
      case 'u': {
        uint32_t cp = 0;
        bool ok = pos + 6 <= c.end;
        for (uint32_t k = pos + 2; ok && k < pos + 6; ++k) {
          char h = text[k];
          int v = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
          if (v < 0) ok = false;
          cp = cp * 16 + static_cast<uint32_t>(v < 0 ? 0 : v);
        }
        if (ok && cp >= 0xD800 && cp <= 0xDFFF) ok = false;
        if (!ok) {
          state_.error(DiagCode::BadEscape, state_.range(pos, std::min(pos + 6, c.end)),
                       "'\\u' needs exactly four hex digits naming a character (not a surrogate)");
          next = pos + 2;
        } else {
          appendUtf8(cur, cp);
          next = pos + 6;
        }
        break;
      }
      default: {
        uint32_t len = static_cast<uint32_t>(utf8Len(static_cast<unsigned char>(n)));
        next = std::min(pos + 1 + len, c.end);
        Diagnostic* d =
            state_.error(DiagCode::BadEscape, state_.range(pos, next),
                         fmt::format("unknown escape sequence '{}'", text.substr(pos, next - pos)));
        if (d)
          d->hints.push_back("known escapes: \\n \\t \\r \\\" \\' \\\\ \\{ \\} \\uXXXX; "
                             "r\"...\" strings take backslashes literally");
        cur.append(text.substr(pos + 1, next - pos - 1));
      }
      }
      pos = next;
      continue;
    }
    if (ch == '{') {
      std::optional<uint32_t> close = findHoleEnd(text, pos, c.end);
      if (!close) {
        Diagnostic* d = state_.error(DiagCode::BadInterpolation, state_.range(pos, pos + 1),
                                     "'{' in a string opens an interpolation that is never closed");
        if (d) d->hints.push_back("write '\\{' for a literal brace");
        break;
      }
      std::string_view inner = text.substr(pos + 1, *close - pos - 1);
      if (inner.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        Diagnostic* d = state_.error(DiagCode::BadInterpolation, state_.range(pos, *close + 1),
                                     "empty interpolation '{}'");
        if (d) d->hints.push_back("put an expression inside, or write '\\{\\}' for literal braces");
      } else {
        flush(pos);
        A::ExprPtr hole = parseHole(state_, pos + 1, *close);
        expr->parts.push_back({std::string(), std::move(hole), state_.range(pos, *close + 1)});
      }
      pos = *close + 1;
      continue;
    }
    if (ch == '}') {
      Diagnostic* d = state_.error(DiagCode::BadInterpolation, state_.range(pos, pos + 1),
                                   "unmatched '}' in string");
      if (d) d->hints.push_back("write '\\}' for a literal brace");
    }
    cur += ch;
    ++pos;
  }
  flush(pos);
  return expr;
}

std::string Transformer::plainString(antlr4::tree::TerminalNode* node) {
  if (isMissing(node)) return {};
  antlr4::Token* token = node->getSymbol();
  SourceRange range = rangeOf(token);
  Content c = contentOf(state_.text, token->getType(), range.begin, range.end);
  std::string out;
  for (uint32_t pos = c.begin; pos < c.end; ++pos) {
    char ch = state_.text[pos];
    if (ch != '\\' || c.raw || pos + 1 >= c.end) {
      out += ch;
      continue;
    }
    char n = state_.text[++pos];
    switch (n) {
    case 'n':
      out += '\n';
      break;
    case 't':
      out += '\t';
      break;
    case 'r':
      out += '\r';
      break;
    case '"':
    case '\'':
    case '\\':
    case '{':
    case '}':
      out += n;
      break;
    default:
      state_.error(DiagCode::BadEscape, state_.range(pos - 1, pos + 1),
                   fmt::format("unknown escape sequence '\\{}'", n));
      out += n;
    }
  }
  return out;
}

} // namespace awc::syntax
