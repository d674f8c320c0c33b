// date: date_add, date_add_months, days_between, months_between, years_between, weekday,
// format_date; time: now, today.
// Dates are ISO-8601 "YYYY-MM-DD" strings in the proleptic Gregorian calendar, years 1-9999,
// with no time zones; now/today read the system clock in UTC.
#include "builtins.h"

#include <algorithm>
#include <chrono>

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

struct Date {
  int64_t y;
  unsigned m, d;
};

bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysIn(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's days_from_civil / civil_from_days (days since 1970-01-01).
int64_t toDays(const Date& dt) {
  int64_t y = dt.y - (dt.m <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (dt.m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + dt.d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date fromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return Date{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

const int64_t kMinDays = toDays({1, 1, 1});
const int64_t kMaxDays = toDays({9999, 12, 31});

bool parseDate(std::string_view s, Date& out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto num = [&](size_t from, size_t len, int64_t& v) {
    v = 0;
    for (size_t i = from; i < from + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int64_t y, m, d;
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return false;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, static_cast<unsigned>(m))) return false;
  out = Date{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
  return true;
}

std::string formatIso(const Date& d) {
  return fmt::format("{:04}-{:02}-{:02}", d.y, d.m, d.d);
}

EvalResult badDate(std::string_view fn, const json& v) {
  return fail(fmt::format("{}: '{}' is not a date (YYYY-MM-DD, years 1-9999)", fn, str(v)));
}

EvalResult dateAddImpl(Args a) {
  Date d;
  if (!parseDate(str(a[0]), d)) return badDate("date_add", a[0]);
  int64_t days = toDays(d), delta = asInt(a[1]);
  if (delta > kMaxDays - days || delta < kMinDays - days)
    return fail("date_add: result is outside years 1-9999");
  return json(formatIso(fromDays(days + delta)));
}

// Calendar months: the day is kept, or clamped to the last day of a shorter month
// (2024-01-31 plus 1 month is 2024-02-29), as people and spreadsheets (EDATE) count.
EvalResult dateAddMonthsImpl(Args a) {
  Date d;
  if (!parseDate(str(a[0]), d)) return badDate("date_add_months", a[0]);
  int64_t delta = asInt(a[1]);
  int64_t index = d.y * 12 + (d.m - 1); // months since year 0
  if (delta > 9999 * 12 + 11 - index || delta < 12 - index)
    return fail("date_add_months: result is outside years 1-9999");
  index += delta;
  Date r{index / 12, static_cast<unsigned>(index % 12) + 1, d.d};
  r.d = std::min(r.d, daysIn(r.y, r.m));
  return json(formatIso(r));
}

EvalResult daysBetweenImpl(Args a) {
  Date x, y;
  if (!parseDate(str(a[0]), x)) return badDate("days_between", a[0]);
  if (!parseDate(str(a[1]), y)) return badDate("days_between", a[1]);
  return json(toDays(y) - toDays(x));
}

// Whole calendar months from x to y, counted like date_add_months (so an age or a tenure reads
// as people count it): the largest m with date_add_months(x, m) <= y; negative when y is earlier.
int64_t wholeMonths(const Date& x, const Date& y) {
  if (toDays(y) < toDays(x)) return -wholeMonths(y, x);
  int64_t m = (y.y * 12 + y.m) - (x.y * 12 + x.m);
  // x plus m months lands in y's month, on x's day clamped to that month's length.
  return std::min(x.d, daysIn(y.y, y.m)) > y.d ? m - 1 : m;
}

EvalResult monthsBetweenImpl(Args a) {
  Date x, y;
  if (!parseDate(str(a[0]), x)) return badDate("months_between", a[0]);
  if (!parseDate(str(a[1]), y)) return badDate("months_between", a[1]);
  return json(wholeMonths(x, y));
}

EvalResult yearsBetweenImpl(Args a) {
  Date x, y;
  if (!parseDate(str(a[0]), x)) return badDate("years_between", a[0]);
  if (!parseDate(str(a[1]), y)) return badDate("years_between", a[1]);
  return json(wholeMonths(x, y) / 12); // truncates toward zero, like the months
}

constexpr const char* kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};
constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};

unsigned weekdayIndex(const Date& d) {
  int64_t z = toDays(d); // 1970-01-01 was a Thursday (index 3, Monday = 0)
  return static_cast<unsigned>(((z % 7) + 7 + 3) % 7);
}

EvalResult weekdayImpl(Args a) {
  Date d;
  if (!parseDate(str(a[0]), d)) return badDate("weekday", a[0]);
  return json(kWeekdays[weekdayIndex(d)]);
}

// Tokens, longest first at each position; text in '...' is literal ('' is a quote).
EvalResult formatDateImpl(Args a) {
  Date d;
  if (!parseDate(str(a[0]), d)) return badDate("format_date", a[0]);
  std::string_view p = str(a[1]);
  std::string out;
  size_t i = 0;
  auto at = [&](std::string_view tok) { return p.substr(i, tok.size()) == tok; };
  while (i < p.size()) {
    if (p[i] == '\'') {
      size_t close = p.find('\'', i + 1);
      if (close == std::string_view::npos) return fail("format_date: unclosed quote in pattern");
      if (close == i + 1)
        out += '\'';
      else
        out.append(p.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    struct Tok {
      std::string_view tok;
      std::string text;
    };
    const Tok toks[] = {
        {"YYYY", fmt::format("{:04}", d.y)},
        {"YY", fmt::format("{:02}", d.y % 100)},
        {"MMMM", kMonths[d.m - 1]},
        {"MMM", std::string(kMonths[d.m - 1]).substr(0, 3)},
        {"MM", fmt::format("{:02}", d.m)},
        {"M", fmt::format("{}", d.m)},
        {"DD", fmt::format("{:02}", d.d)},
        {"D", fmt::format("{}", d.d)},
        {"dddd", kWeekdays[weekdayIndex(d)]},
        {"ddd", std::string(kWeekdays[weekdayIndex(d)]).substr(0, 3)},
    };
    bool matched = false;
    for (const Tok& t : toks) {
      if (!at(t.tok)) continue;
      out += t.text;
      i += t.tok.size();
      matched = true;
      break;
    }
    if (!matched) out += p[i++];
  }
  return json(std::move(out));
}

EvalResult nowImpl(Args) {
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto days = std::chrono::floor<std::chrono::days>(t);
  int64_t secs = (t - days).count();
  return json(fmt::format("{}T{:02}:{:02}:{:02}Z",
                          formatIso(fromDays(days.time_since_epoch().count())), secs / 3600,
                          secs / 60 % 60, secs % 60));
}

EvalResult todayImpl(Args) {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return json(formatIso(fromDays(days.time_since_epoch().count())));
}

} // namespace

void registerDates(std::vector<Function>& out) {
  auto add = [&](std::string_view name, std::string_view doc, std::vector<Param> params,
                 TypeSpec result, Impl impl) {
    out.push_back(Function{name, "date", doc, std::move(params), result, true, impl});
  };
  add("date_add", "The date `days` days later (negative: earlier).",
      {{"date", tStr()}, {"days", tInt()}}, tStr(), dateAddImpl);
  add("date_add_months",
      "The date `months` calendar months later (negative: earlier); the day is clamped to the "
      "month's last day.",
      {{"date", tStr()}, {"months", tInt()}}, tStr(), dateAddMonthsImpl);
  add("days_between", "Days from a to b (negative if b is earlier).",
      {{"a", tStr()}, {"b", tStr()}}, tInt(), daysBetweenImpl);
  add("months_between",
      "Whole calendar months from a to b, counted like date_add_months (negative if b is "
      "earlier).",
      {{"a", tStr()}, {"b", tStr()}}, tInt(), monthsBetweenImpl);
  add("years_between",
      "Whole years from a to b (an age or a tenure), counted like date_add_months (negative if "
      "b is earlier).",
      {{"a", tStr()}, {"b", tStr()}}, tInt(), yearsBetweenImpl);
  add("weekday", "English weekday name (\"Monday\"...\"Sunday\").", {{"date", tStr()}}, tStr(),
      weekdayImpl);
  add("format_date",
      "Date text from a pattern: YYYY YY MMMM MMM MM M DD D dddd ddd, '...' literal.",
      {{"date", tStr()}, {"pattern", tStr()}}, tStr(), formatDateImpl);
  out.push_back(Function{"now",
                         "time",
                         "Current UTC time, \"YYYY-MM-DDTHH:MM:SSZ\" (non-deterministic).",
                         {},
                         tStr(),
                         false,
                         nowImpl});
  out.push_back(Function{"today",
                         "time",
                         "Current UTC date, \"YYYY-MM-DD\" (non-deterministic).",
                         {},
                         tStr(),
                         false,
                         todayImpl});
}

} // namespace awc::stdlib::detail
