// Calendar work asked of a model: a date plus or minus N days/weeks/months/years
// (date_add, date_add_months), days from one date to another (or between two events, or past a
// due date), an age or a tenure in whole years or months, the weekday, and reformatting a
// date to a pattern ("DD/MM/YYYY"). Native dates are ISO (YYYY-MM-DD): unless the prompt says
// its date is ISO, the rewrite is only suggested, since a model also reads "March 5".
#include "deterministic_internal.h"

#include <cctype>

namespace awc::passes::det {
namespace {

const char* kNotIso = "native dates must be ISO (YYYY-MM-DD): check that the input is one";

const char* kFromStep =
    "the date is another step's output, not an input: native date functions fail "
    "where a model would read any date";

bool saysIso(const Scan& s) {
  return s.has({"iso", "iso-8601", "yyyy-mm-dd"});
}

// Whether a date hole is computed by a step rather than given as an input (a model's extracted
// date may not be ISO; the native function would fail where the model coped).
bool fromStep(const Tok& t) {
  ir::expr::View e(t.expr);
  while (e.is(ir::expr::Kind::Field) || e.is(ir::expr::Kind::Index))
    e = e.of();
  return !e.is(ir::expr::Kind::Ref) || e.name().rfind("input.", 0) != 0;
}

// Why a date rewrite is only suggested, or "" when it is exact.
std::string dateDoubt(const Scan& s, std::initializer_list<size_t> dates) {
  for (size_t d : dates)
    if (fromStep(s.toks[d])) return kFromStep;
  return saysIso(s) ? "" : kNotIso;
}

bool isDatePatternWord(const Tok& t) {
  if (t.kind != Tok::Word || t.text.empty()) return false;
  for (char c : t.text)
    if (c != 'y' && c != 'm' && c != 'd' && c != '-') return false;
  return t.text.find('y') != std::string::npos || t.text == "mm" || t.text == "dd";
}

// The first date pattern in the static text: runs of Y, M, D (d) joined by - / . , or space.
std::string datePattern(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    std::string out;
    int fields = 0;
    bool year = false;
    size_t j = i;
    while (j < text.size()) {
      char c = text[j];
      char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (u != 'Y' && u != 'M' && u != 'D') break;
      size_t k = j;
      while (k < text.size() && text[k] == c)
        ++k;
      size_t n = k - j;
      if (n > 4 || (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k])))) break;
      year = year || u == 'Y';
      // Lower-case d runs of 3-4 are weekdays (ddd, dddd); other runs are upper-cased.
      out += (c == 'd' && n >= 3) ? std::string(n, 'd') : std::string(n, u);
      ++fields;
      j = k;
      size_t sep = j;
      while (sep < text.size() && sep - j < 2 && std::strchr("-/., ", text[sep]))
        ++sep;
      if (sep == j || sep >= text.size() || !std::strchr("YMDymd", text[sep])) break;
      out += text.substr(j, sep - j);
      j = sep;
    }
    if (fields >= 2 && year && (i == 0 || !std::isalpha(static_cast<unsigned char>(text[i - 1]))))
      return out;
  }
  return "";
}

Json negate(Json e) {
  if (e.contains("lit")) return ir::expr::lit(-e["lit"].get<int64_t>());
  return ir::expr::op("neg", {std::move(e)});
}

// An answer asked in another date format is a shift and a format: not one of these forms.
bool asksOtherFormat(const Scan& s) {
  std::string pattern = datePattern(s.p.text);
  return (!pattern.empty() && pattern != "YYYY-MM-DD") ||
         (pattern.empty() && s.has({"format", "formatted", "style", "written", "words"}));
}

// "one week later": the small counts people spell out.
std::optional<int> numberWord(const Tok& t) {
  static const char* kWords[] = {"one",   "two",   "three", "four", "five",   "six",
                                 "seven", "eight", "nine",  "ten",  "eleven", "twelve"};
  if (t.kind != Tok::Word) return std::nullopt;
  for (int i = 0; i < 12; ++i)
    if (t.text == kWords[i]) return i + 1;
  return std::nullopt;
}

#define AWC_DATE_UNITS                                                                             \
  "day", "days", "night", "nights", "week", "weeks", "month", "months", "year", "years"

// "come back", "get back", "fly back": a return, not a shift backwards.
bool backIsReturn(const Scan& s) {
  size_t b = s.find({"back"});
  return b != std::string::npos && b > 0 &&
         s.wordIn(b - 1, {"come", "comes", "coming", "get", "gets", "fly", "flies", "be"});
}

std::optional<DeterministicTask> shiftForm(const Prompt& p, size_t date) {
  Scan s(p);
  if (asksOtherFormat(s)) return std::nullopt;
  size_t unit = s.find({AWC_DATE_UNITS});
  if (unit == std::string::npos || unit == 0) return std::nullopt;
  if (s.find({AWC_DATE_UNITS}, unit + 1) != std::string::npos) return std::nullopt;
  if (s.has({"business", "working", "weekdays", "workdays", "weekend"})) return std::nullopt;
  const Tok& n = p.toks[unit - 1];
  bool isHole = n.kind == Tok::Hole && n.type && n.type->kind() == K::Int;
  std::optional<int> spelled = numberWord(n);
  if (!(n.kind == Tok::Number && n.isInt) && !isHole && !spelled) return std::nullopt;
  bool returns = backIsReturn(s);
  bool minus = s.has({"before", "prior", "earlier", "ago", "minus", "subtract", "preceding"}) ||
               (!returns && s.has({"back"})) || s.sym(date + 1, "-");
  // "from" is "7 days from {d}" unless the prompt subtracts ("subtract 10 days from {d}").
  bool plus = s.has({"after", "later", "plus", "add", "following", "hence", "past"}) ||
              s.sym(date + 1, "+") || (!minus && s.has({"from"}));
  // "lasts {n} nights", "payment terms of {n} days", "for {n} nights": a duration from the date,
  // whose end the prompt asks for.
  bool duration = date < unit && s.wordIn(unit - 2, {"lasts", "lasting", "for", "of", "takes"});
  if (!plus && !minus && duration) plus = true;
  if (plus == minus) return std::nullopt;
  std::string u = p.toks[unit].text;
  bool months = u[0] == 'm' || u[0] == 'y';
  int factor = u[0] == 'w' ? 7 : u[0] == 'y' ? 12 : 1;
  bool literal = !isHole;
  double count0 = spelled ? *spelled : n.number;
  Json count = literal ? lit(count0, true) : n.expr;
  if (factor != 1) count = literal ? lit(count0 * factor, true) : op("*", count, lit(factor, true));
  if (minus) count = negate(count);
  s.used[unit] = s.used[unit - 1] = s.used[date] = true;
  s.mark({"after", "from",      "later",   "plus",     "add",        "following", "hence",
          "past",  "before",    "prior",   "earlier",  "ago",        "minus",     "subtract",
          "back",  "preceding", "date",    "due",      "deadline",   "falls",     "fall",
          "land",  "lands",     "iso",     "iso-8601", "yyyy-mm-dd", "be",        "which",
          "when",  "calendar",  "exactly", "go",       "forward",    "counting",  "than"});
  if (duration || returns)
    s.mark({"lasts",   "lasting", "takes", "leaves", "leave",   "departs",   "starts",
            "begins",  "dated",   "come",  "comes",  "returns", "return",    "end",
            "ends",    "terms",   "term",  "trip",   "stay",    "traveller", "traveler",
            "payment", "with",    "for",   "of"});
  s.mark({"held", "meeting"});
  Json e = call(months ? "date_add_months" : "date_add", {p.toks[date].expr, count});
  return finish(s, "date", e, p.result->kind() == K::String, "the step's result is not a string",
                dateDoubt(s, {date}));
}

// A date hole that is today: named so ({today}, {now}) or introduced by "today is".
bool isToday(const Scan& s, size_t h) {
  const auto& names = s.toks[h].names;
  // A hole's names are its word and that word's plural: {today} names "today" and "todays".
  bool named = !names.empty() && names.size() <= 2 && (names[0] == "today" || names[0] == "now");
  return named || (h >= 2 && s.word(h - 2, "today") && s.wordIn(h - 1, {"is", "was"}));
}

// "The account was created on {a} and today is {b}. How many days old is it?": the days from
// the event to today.
std::optional<DeterministicTask> elapsedForm(const Prompt& p, size_t a, size_t b) {
  Scan s(p);
  if (isToday(s, a) == isToday(s, b)) return std::nullopt;
  size_t today = isToday(s, a) ? a : b, event = today == a ? b : a;
  if (!s.has({"ago", "old", "since", "elapsed", "passed"}) || !s.has({"many"})) return std::nullopt;
  if (event == 0 || !s.wordIn(event - 1, {"on", "since"})) return std::nullopt;
  s.used[a] = s.used[b] = s.used[event - 1] = true;
  s.mark({"days",      "many",      "ago",        "old",     "since",   "elapsed",   "passed",
          "today",     "now",       "is",         "was",     "created", "delivered", "joined",
          "opened",    "signed",    "registered", "shipped", "placed",  "issued",    "received",
          "submitted", "purchased", "bought",     "made",    "iso",     "yyyy-mm-dd"});
  return finish(s, "date", call("days_between", {p.toks[event].expr, p.toks[today].expr}), true, "",
                saysIso(s) ? "" : kNotIso);
}

// "How old is someone born on {b} as of {d}?", "started on {a}: full years of service on {b}?",
// "tenure in whole months between {a} and {b}": whole years or months, counted like
// date_add_months (an age, a tenure), from the first date to the second.
std::optional<DeterministicTask> spanForm(const Prompt& p, size_t a, size_t b) {
  Scan s(p);
  if (p.result->kind() != K::Int || asksOtherFormat(s)) return std::nullopt;
  if (s.has({"days", "weeks", "business", "working", "decimal", "decimals", "fraction",
             "approximately", "roughly", "about", "nearest", "round", "rounded", "partial"}))
    return std::nullopt;
  bool years = s.has({"years", "year"}), months = s.has({"months", "month"});
  bool age = s.has({"old", "age"});
  if (years && months) return std::nullopt;
  if (!years && !months && !age) return std::nullopt;
  if (!s.has({"tenure", "service", "employed", "worked", "old", "age", "membership", "member",
              "whole", "full", "complete", "completed"}))
    return std::nullopt;
  if (!s.wordIn(a - 1, {"born", "on", "since", "from", "between"}) ||
      !s.wordIn(b - 1, {"on", "of", "to", "and", "until", "at"}))
    return std::nullopt;
  s.used[a] = s.used[b] = s.used[a - 1] = s.used[b - 1] = true;
  s.mark({"old",      "age",       "born",     "as",         "of",        "whole",   "full",
          "complete", "completed", "years",    "year",       "months",    "month",   "tenure",
          "service",  "employed",  "worked",   "membership", "member",    "someone", "person",
          "employee", "patient",   "customer", "started",    "joined",    "hired",   "between",
          "and",      "from",      "to",       "until",      "in",        "been",    "they",
          "he",       "she",       "do",       "iso",        "yyyy-mm-dd"});
  Json e = call(months ? "months_between" : "years_between", {p.toks[a].expr, p.toks[b].expr});
  return finish(s, "date", e, true, "", dateDoubt(s, {a, b}));
}

bool eventVerb(const Scan& s, size_t i) {
  return s.wordIn(i, {"issued",   "paid",    "admitted", "discharged", "opened",    "closed",
                      "started",  "ended",   "finished", "ordered",    "delivered", "shipped",
                      "received", "created", "resolved", "submitted",  "approved",  "signed",
                      "booked",   "arrived", "departed", "joined",     "hired",     "registered",
                      "placed",   "raised",  "reported", "fixed",      "completed", "filed",
                      "settled",  "sent",    "returned", "logged",     "dispatched"});
}

// "issued on {a} and paid on {b}: how many days did payment take?", "admitted {a}, discharged
// {b}: length of stay in days?": the days between two events, whichever is written first.
std::optional<DeterministicTask> eventGapForm(const Prompt& p, size_t a, size_t b) {
  Scan s(p);
  if (p.result->kind() != K::Int || asksOtherFormat(s)) return std::nullopt;
  if (s.has({"business", "working", "weekdays", "weeks", "months", "years", "inclusive",
             "including", "hours"}))
    return std::nullopt;
  auto event = [&](size_t h) {
    size_t i = h - 1;
    if (s.word(i, "on") && i > 0) --i;
    return eventVerb(s, i) ? i : std::string::npos;
  };
  size_t ea = event(a), eb = event(b);
  if (ea == std::string::npos || eb == std::string::npos) return std::nullopt;
  if (!s.has({"days", "nights"})) return std::nullopt;
  if (!s.has({"many", "long", "length", "took", "take"})) return std::nullopt;
  for (size_t i = ea; i <= a; ++i)
    s.used[i] = true;
  for (size_t i = eb; i <= b; ++i)
    s.used[i] = true;
  s.mark({"how",     "many",    "days",    "nights",  "did",       "it",       "take",
          "took",    "long",    "length",  "of",      "stay",      "in",       "was",
          "were",    "and",     "between", "invoice", "payment",   "patient",  "order",
          "ticket",  "case",    "claim",   "parcel",  "package",   "shipment", "application",
          "request", "booking", "guest",   "iso",     "yyyy-mm-dd"});
  Json e = call("abs", {call("days_between", {p.toks[a].expr, p.toks[b].expr})});
  return finish(s, "date", e, true, "", dateDoubt(s, {a, b}));
}

// "How many days overdue is an invoice due {due}, as of {today}?": days past the due date, 0 when
// it is not yet due.
std::optional<DeterministicTask> overdueForm(const Prompt& p, size_t a, size_t b) {
  Scan s(p);
  if (p.result->kind() != K::Int || !s.has({"overdue", "late"}) || !s.has({"days"}))
    return std::nullopt;
  if (s.has({"business", "working", "weekdays"})) return std::nullopt;
  if (isToday(s, a) == isToday(s, b)) return std::nullopt;
  size_t today = isToday(s, a) ? a : b, due = today == a ? b : a;
  if (!s.word(due - 1, "due")) return std::nullopt;
  s.used[a] = s.used[b] = s.used[due - 1] = true;
  s.mark({"how", "many", "days", "overdue", "late", "is", "an", "as", "of", "invoice", "payment",
          "bill", "today", "now", "on", "iso", "yyyy-mm-dd"});
  Json e = call("max", {call("days_between", {p.toks[due].expr, p.toks[today].expr}),
                        ir::expr::lit(int64_t{0})});
  return finish(s, "date", e, true, "", dateDoubt(s, {a, b}));
}

std::optional<DeterministicTask> betweenForm(const Prompt& p, size_t a, size_t b) {
  if (auto t = spanForm(p, a, b)) return t;
  if (auto t = overdueForm(p, a, b)) return t;
  Scan s(p);
  if (!s.has({"days", "nights"}) || p.result->kind() != K::Int || asksOtherFormat(s))
    return std::nullopt;
  if (s.has({"business", "working", "weekdays", "weeks", "months", "inclusive"}))
    return std::nullopt;
  bool fromTo = s.wordIn(a - 1, {"from", "since"}) && s.wordIn(b - 1, {"to", "until", "till"});
  bool between = s.word(a - 1, "between") && s.word(b - 1, "and");
  if (!fromTo && !between) {
    if (auto t = eventGapForm(p, a, b)) return t;
    return elapsedForm(p, a, b);
  }
  s.used[a] = s.used[b] = s.used[a - 1] = s.used[b - 1] = true;
  s.mark({"days", "nights", "many", "elapsed", "pass", "passed", "difference", "gap", "separate",
          "iso", "yyyy-mm-dd", "are", "there", "count"});
  std::string why = between ? "\"between\" has no direction: days_between is negative when the "
                              "second date is earlier"
                            : dateDoubt(s, {a, b});
  return finish(s, "date", call("days_between", {p.toks[a].expr, p.toks[b].expr}), true, "", why);
}

} // namespace

std::optional<DeterministicTask> dateForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> dates, ints;
  for (size_t h : s.holes()) {
    const sema::Type* t = p.toks[h].type;
    if (t && t->kind() == K::String)
      dates.push_back(h);
    else if (t && t->kind() == K::Int)
      ints.push_back(h);
    else
      return std::nullopt;
  }
  if (dates.size() == 2 && ints.empty()) return betweenForm(p, dates[0], dates[1]);
  if (dates.size() != 1 || ints.size() > 1) return std::nullopt;
  size_t d = dates[0];
  if (auto shifted = shiftForm(p, d)) return shifted;
  if (!ints.empty()) return std::nullopt;
  s.used[d] = true;
  if (s.has({"weekday"}) || (s.has({"day"}) && s.has({"week"}))) {
    if (asksOtherFormat(s)) return std::nullopt;
    s.mark({"weekday", "day", "week", "which", "falls", "fall", "on", "was", "will", "name", "iso",
            "yyyy-mm-dd"});
    bool typeOk = p.result->kind() == K::String;
    if (p.result->kind() == K::Enum) {
      static const std::vector<std::string> kDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                     "Friday", "Saturday", "Sunday"};
      typeOk = p.result->members() == kDays;
    }
    return finish(s, "date", call("weekday", {p.toks[d].expr}), typeOk,
                  "the step's result is not a string or the weekday names", dateDoubt(s, {d}));
  }
  std::string pattern = datePattern(p.text);
  if (pattern.empty() || p.result->kind() != K::String) return std::nullopt;
  // "{invoice}\n\nWhat is the invoice date? YYYY-MM-DD." extracts a date: a reformat says so.
  if (!s.has({"format", "formatted", "reformat", "convert", "rewrite", "write", "display", "show",
              "present", "render", "as", "like", "into", "to"}))
    return std::nullopt;
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (isDatePatternWord(p.toks[i])) s.used[i] = true;
  s.mark({"format", "formatted", "reformat", "convert", "rewrite", "write", "display", "show",
          "present", "render", "pattern", "style", "like", "using", "date", "into", "iso"});
  // "Reformat {d} from YYYY-MM-DD to DD/MM/YYYY": the input pattern is said, the output last.
  size_t to = p.text.rfind(" to ");
  std::string out = to != std::string::npos ? datePattern(p.text.substr(to)) : "";
  if (!out.empty()) pattern = out;
  bool iso = p.text.find("YYYY-MM-DD") != std::string::npos && pattern != "YYYY-MM-DD";
  return finish(s, "format", call("format_date", {p.toks[d].expr, ir::expr::lit(pattern)}), true,
                "",
                fromStep(p.toks[d])     ? kFromStep
                : iso || s.has({"iso"}) ? ""
                                        : kNotIso);
}

} // namespace awc::passes::det
