// The recogniser's tokens: a prompt becomes words, numbers, symbols, holes (interpolated values)
// and constant tables; numbers that are part of other text ("ISO 639-1", "rev. 2026-03", "v2")
// become opaque words. Also the leftover judgement every task form ends with.
#include "deterministic_internal.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace awc::passes::det {
namespace {

bool digit(const std::string& t, size_t i) {
  return i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]));
}
bool alpha(const std::string& t, size_t i) {
  return i < t.size() && (std::isalpha(static_cast<unsigned char>(t[i])) || t[i] == '_');
}

// Multi-byte symbols people type in numeric prompts, with the ASCII form the forms match.
const char* utf8Symbol(const std::string& t, size_t i, size_t& len) {
  static const std::pair<const char*, const char*> kSymbols[] = {
      {"€", "€"}, {"£", "£"},  {"¥", "¥"},  {"₹", "₹"},       {"–", "–"}, {"—", "–"},
      {"×", "*"}, {"÷", "/"},  {"≥", ">="}, {"≤", "<="},      {"°", "°"}, {"→", "->"},
      {"’", "'"}, {"“", "\""}, {"”", "\""}, {"\xc2\xa0", " "}};
  for (const auto& [from, to] : kSymbols) {
    size_t n = std::char_traits<char>::length(from);
    if (t.compare(i, n, from) == 0) {
      len = n;
      return to;
    }
  }
  return nullptr;
}

// Words of an identifier path, with singular and plural forms: "order.line_items" → order,
// orders, line, lines, item, items.
std::vector<std::string> nameWords(const std::string& name) {
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (!w.empty()) out.push_back(w);
    if (w.size() > 1) out.push_back(w.back() == 's' ? w.substr(0, w.size() - 1) : w + "s");
    w.clear();
  };
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return out;
}

void tokenizeText(const std::string& t, std::vector<Tok>& out) {
  auto push = [&](Tok::Kind k, std::string text) {
    Tok tok;
    tok.kind = k;
    tok.text = std::move(text);
    out.push_back(std::move(tok));
  };
  for (size_t i = 0; i < t.size();) {
    unsigned char c = t[i];
    size_t len = 0;
    if (c == '\n') {
      if (out.empty() || out.back().text != "\n") push(Tok::Symbol, "\n");
      ++i;
    } else if (std::isspace(c)) {
      ++i;
    } else if (digit(t, i) || (c == '.' && digit(t, i + 1) && !(i > 0 && alpha(t, i - 1)))) {
      size_t j = i;
      while (digit(t, j))
        ++j;
      // "1,000" groups thousands; "1,08" is not a number we can read safely.
      while (j + 3 < t.size() + 1 && t[j] == ',' && digit(t, j + 1) && digit(t, j + 2) &&
             digit(t, j + 3) && !digit(t, j + 4))
        j += 4;
      if (j < t.size() && t[j] == '.' && digit(t, j + 1)) {
        ++j;
        while (digit(t, j))
          ++j;
      }
      // "639-1", "2026-03", "1.2.3", "10:30", "30-day", "3rd", "#123": not quantities.
      bool glued = alpha(t, j) ||
                   (j + 1 < t.size() && std::strchr("-/.:", t[j]) && t[j] &&
                    (digit(t, j + 1) || (t[j] == '-' && alpha(t, j + 1)))) ||
                   (i > 0 && (t[i - 1] == '#' || alpha(t, i - 1)));
      if (glued) {
        while (j < t.size() &&
               (std::isalnum(static_cast<unsigned char>(t[j])) ||
                ((t[j] == '-' || t[j] == '/' || t[j] == '.' || t[j] == ':') && j + 1 < t.size() &&
                 std::isalnum(static_cast<unsigned char>(t[j + 1])))))
          ++j;
        push(Tok::Opaque, t.substr(i, j - i));
      } else {
        std::string digits;
        for (size_t k = i; k < j; ++k)
          if (t[k] != ',') digits += t[k];
        push(Tok::Number, digits);
        out.back().number = std::strtod(digits.c_str(), nullptr);
        out.back().isInt = digits.find('.') == std::string::npos;
      }
      i = j;
    } else if (const char* s = utf8Symbol(t, i, len)) {
      if (std::string(s) == "'" && !out.empty() && out.back().kind == Tok::Word &&
          alpha(t, i + len)) {
        out.back().text += '\''; // "what’s"
        i += len;
        while (alpha(t, i))
          out.back().text += static_cast<char>(std::tolower(static_cast<unsigned char>(t[i++])));
        continue;
      }
      if (std::string(s) != " ") push(Tok::Symbol, s);
      i += len;
    } else if (alpha(t, i) || c >= 0x80) {
      size_t j = i;
      while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_' ||
                              t[j] == '\'' || (t[j] == '-' && alpha(t, j + 1)) ||
                              (static_cast<unsigned char>(t[j]) >= 0x80 && !utf8Symbol(t, j, len))))
        ++j;
      std::string w = t.substr(i, j - i);
      std::transform(w.begin(), w.end(), w.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      if (w == "percent" || w == "pct")
        push(Tok::Symbol, "%");
      else
        push(Tok::Word, w);
      i = j;
    } else {
      std::string s(1, static_cast<char>(c));
      if ((c == '>' || c == '<' || c == '=' || c == '!') && i + 1 < t.size() && t[i + 1] == '=')
        s += '=';
      else if (c == '-' && i + 1 < t.size() && t[i + 1] == '>')
        s += '>';
      push(Tok::Symbol, s);
      i += s.size();
    }
  }
}

const std::set<std::string>& boilerplate() {
  static const std::set<std::string> words = {
      "what",      "what's",    "whats",     "is",         "are",         "was",
      "be",        "calculate", "compute",   "work",       "out",         "figure",
      "determine", "find",      "get",       "tell",       "give",        "show",
      "me",        "us",        "i",         "need",       "want",        "would",
      "like",      "could",     "can",       "you",        "please",      "pls",
      "plz",       "kindly",    "thanks",    "thank",      "quick",       "quickly",
      "simply",    "hey",       "hi",        "reply",      "respond",     "answer",
      "return",    "output",    "write",     "just",       "only",        "with",
      "without",   "the",       "a",         "an",         "and",         "then",
      "number",    "numbers",   "result",    "single",     "value",       "values",
      "numeric",   "no",        "other",     "text",       "explanation", "explanations",
      "extra",     "digits",    "as",        "nothing",    "else",        "it",
      "its",       "to",        "in",        "of",         "for",         "this",
      "these",     "that",      "following", "given",      "here",        "here's",
      "below",     "above",     "exact",     "exactly",    "final",       "should",
      "must",      "will",      "do",        "does",       "so",          "now",
      "your",      "my",        "our",       "we",         "on",          "by",
      "from",      "at",        "all",       "also",       "e",           "g",
      "eg",        "example",   "ie",        "i.e",        "format",      "just",
      "plain",     "figure",    "how",       "much",       "many",        "is",
      "there",     "any",       "comments",  "commentary", "units",       "unit",
      "response",  "form",      "provided",  "input",      "data",        "question",
      "task",      "yes",       "true",      "false",      "or",          "either",
      "whether",   "if",        "please",    "asap",       "thx",         "ty",
      "cheers",    "ok",        "okay",      "quick",      "q",           "real",
      "sure",      "make",      "note",      "let",        "know",        "one",
      "otherwise", "have",      "has",       "had",        "did"};
  return words;
}

// Nouns that name what a number is, harmless as leftovers ("is the order total over 500?").
const std::set<std::string>& descriptors() {
  static const std::set<std::string> words = {
      "order",    "orders",   "total",       "amount",      "amounts",     "price",    "prices",
      "cost",     "costs",    "sum",         "figure",      "quantity",    "invoice",  "bill",
      "balance",  "subtotal", "score",       "scores",      "list",        "items",    "item",
      "entries",  "entry",    "elements",    "element",     "date",        "dates",    "day",
      "value",    "payment",  "transaction", "purchase",    "sale",        "sales",    "customer's",
      "cart",     "basket",   "grand",       "overall",     "resulting",   "answer",   "figures",
      "count",    "metric",   "reading",     "measurement", "temperature", "distance", "weight",
      "customer", "user",     "client",      "account"};
  return words;
}

} // namespace

bool isNumeric(const sema::Type* t) {
  return t && (t->kind() == K::Int || t->kind() == K::Float);
}
bool isNumericList(const sema::Type* t) {
  return t && t->kind() == K::List && isNumeric(t->element());
}

Prompt tokenize(const ir::Node& n) {
  Prompt p;
  p.result = n.type;
  for (const auto& m : n.llm().messages) {
    if (m.role != "user") continue;
    for (const auto& s : m.segments) {
      if (!s.isStatic) {
        Tok hole;
        hole.kind = Tok::Hole;
        hole.expr = ir::expr::View(s.expr).unwrapText().json();
        hole.type = s.type;
        hole.text = "{" + exprToFlow(hole.expr) + "}";
        hole.names = nameWords(exprToFlow(hole.expr));
        p.toks.push_back(std::move(hole));
        p.text += '\x01';
        continue;
      }
      p.text += s.text;
      if (s.origin.rfind("const ", 0) == 0) {
        Json v = Json::parse(s.text, nullptr, false);
        if (v.is_object() && !v.empty()) {
          Tok table;
          table.kind = Tok::Table;
          table.constName = s.origin.substr(6);
          table.text = table.constName;
          table.table = std::move(v);
          table.names = nameWords(table.constName);
          p.toks.push_back(std::move(table));
          continue;
        }
      }
      tokenizeText(s.text, p.toks);
    }
  }
  return p;
}

bool Scan::wordIn(size_t i, std::initializer_list<const char*> ws) const {
  for (const char* w : ws)
    if (word(i, w)) return true;
  return false;
}

bool Scan::has(std::initializer_list<const char*> ws) const {
  return find(ws) != std::string::npos;
}

size_t Scan::find(std::initializer_list<const char*> ws, size_t from) const {
  for (size_t i = from; i < toks.size(); ++i)
    if (wordIn(i, ws)) return i;
  return std::string::npos;
}

void Scan::mark(std::initializer_list<const char*> ws) {
  for (size_t i = 0; i < toks.size(); ++i)
    if (wordIn(i, ws)) used[i] = true;
}

std::vector<size_t> Scan::holes() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < toks.size(); ++i)
    if (toks[i].kind == Tok::Hole) out.push_back(i);
  return out;
}

std::vector<size_t> Scan::numbers() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < toks.size(); ++i)
    if (toks[i].kind == Tok::Number) out.push_back(i);
  return out;
}

std::vector<std::string> Scan::leftovers() const {
  std::set<std::string> named;
  for (const Tok& t : toks)
    if (t.kind == Tok::Hole || t.kind == Tok::Table) named.insert(t.names.begin(), t.names.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < toks.size(); ++i) {
    const Tok& t = toks[i];
    if (used[i] || t.kind == Tok::Symbol) continue;
    // "no other words" is boilerplate; "in words" is a task.
    if (t.kind == Tok::Word && t.text == "words" && i > 0 &&
        (toks[i - 1].text == "other" || toks[i - 1].text == "extra" || toks[i - 1].text == "no"))
      continue;
    if (t.kind == Tok::Word &&
        (boilerplate().count(t.text) || descriptors().count(t.text) || named.count(t.text)))
      continue;
    // "no-shows" beside {no_shows}, "on-time" beside {on_time}: every part names a hole.
    if (t.kind == Tok::Word && t.text.find('-') != std::string::npos) {
      bool all = true;
      for (size_t from = 0; all && from <= t.text.size();) {
        size_t dash = std::min(t.text.find('-', from), t.text.size());
        all = named.count(t.text.substr(from, dash - from)) > 0;
        from = dash + 1;
      }
      if (all) continue;
    }
    out.push_back(t.text);
  }
  return out;
}

std::optional<DeterministicTask> finish(const Scan& s, const char* kind, Json expr, bool typeOk,
                                        std::string typeWhy, std::string ambiguity) {
  if (!s.leftovers().empty()) return std::nullopt; // the prompt asks for more than this
  DeterministicTask task;
  task.kind = kind;
  task.rewrite = exprToFlow(expr);
  task.expr = std::move(expr);
  task.exact = typeOk && ambiguity.empty();
  task.typeOk = typeOk;
  task.why = !typeOk ? std::move(typeWhy) : std::move(ambiguity);
  return task;
}

Json lit(double v, bool isInt) {
  return isInt ? ir::expr::lit(static_cast<int64_t>(v)) : ir::expr::lit(v);
}
Json op(const char* o, Json a, Json b) {
  return ir::expr::op(o, {std::move(a), std::move(b)});
}
Json call(const char* f, std::vector<Json> args) {
  return ir::expr::call(f, std::move(args));
}

} // namespace awc::passes::det
