// string: upper, lower, trim, split, replace, starts_with, ends_with, substr, find, word_count,
// char_count, to_string, parse_int, parse_float, format_number, format_money.
#include "builtins.h"

#include <charconv>
#include <cstring>

namespace awc::stdlib::detail {

size_t codePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

size_t byteOffset(std::string_view s, size_t cp) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (cp == 0) return i;
    --cp;
  }
  return s.size();
}

namespace {

using Args = std::span<const json>;

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && isSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back()))
    s.remove_suffix(1);
  return s;
}

EvalResult caseImpl(Args a, bool up) {
  std::string s = str(a[0]);
  for (char& c : s) {
    if (up && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!up && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return json(std::move(s));
}

EvalResult trimImpl(Args a) {
  return json(std::string(trimmed(str(a[0]))));
}

EvalResult splitImpl(Args a) {
  std::string_view s = str(a[0]);
  json out = json::array();
  if (a.size() < 2) { // whitespace runs, like Python's str.split()
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && isSpace(s[i]))
        ++i;
      size_t j = i;
      while (j < s.size() && !isSpace(s[j]))
        ++j;
      if (j > i) out.push_back(std::string(s.substr(i, j - i)));
      if (out.size() > kMaxValueBytes / 32) return failLimit("split: more than 2 million pieces");
      i = j;
    }
    return out;
  }
  std::string_view sep = str(a[1]);
  if (sep.empty()) return fail("split: separator is empty");
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(
        std::string(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start)));
    if (out.size() > kMaxValueBytes / 32) return failLimit("split: more than 2 million pieces");
    if (pos == std::string_view::npos) break;
    start = pos + sep.size();
  }
  return out;
}

EvalResult replaceImpl(Args a) {
  std::string_view s = str(a[0]), from = str(a[1]), to = str(a[2]);
  if (from.empty()) return fail("replace: the text to replace is empty");
  std::string out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(from, start);
    if (pos == std::string_view::npos) break;
    out.append(s.substr(start, pos - start));
    out.append(to);
    start = pos + from.size();
    if (out.size() > kMaxValueBytes) return failLimit("replace: result larger than 64 MB");
  }
  out.append(s.substr(start));
  return json(std::move(out));
}

EvalResult substrImpl(Args a) {
  std::string_view s = str(a[0]);
  int64_t start = asInt(a[1]);
  const auto n = static_cast<int64_t>(codePoints(s));
  if (start < 0 || start > n)
    return fail(
        fmt::format("substr: start {} out of range for a string of {} characters", start, n));
  int64_t len = a.size() > 2 ? asInt(a[2]) : n - start;
  if (len < 0) return fail("substr: length must not be negative");
  len = std::min(len, n - start);
  size_t b = byteOffset(s, static_cast<size_t>(start));
  size_t e = byteOffset(s, static_cast<size_t>(start + len));
  return json(std::string(s.substr(b, e - b)));
}

EvalResult findImpl(Args a) {
  std::string_view s = str(a[0]);
  size_t pos = s.find(str(a[1]));
  if (pos == std::string_view::npos) return json(int64_t{-1});
  return json(static_cast<int64_t>(codePoints(s.substr(0, pos))));
}

EvalResult wordCountImpl(Args a) {
  std::string_view s = str(a[0]);
  int64_t n = 0;
  bool inWord = false;
  for (char c : s) {
    bool sp = isSpace(c);
    if (!sp && !inWord) ++n;
    inWord = !sp;
  }
  return json(n);
}

EvalResult parseIntImpl(Args a) {
  std::string_view s = trimmed(str(a[0]));
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec == std::errc::result_out_of_range)
    return fail(fmt::format("parse_int: '{}' is not an int", str(a[0])));
  if (ec != std::errc() || p != s.data() + s.size())
    return fail(fmt::format("parse_int: '{}' is not an int", str(a[0])));
  return json(v);
}

EvalResult parseFloatImpl(Args a) {
  std::string_view s = trimmed(str(a[0]));
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    return fail(fmt::format("parse_float: '{}' is not a number", str(a[0])));
  return json(v);
}

/// Fixed-point text with ',' between thousands: 1234567.891, 2 -> "1,234,567.89".
std::string groupedNumber(const json& x, int64_t decimals) {
  std::string digits;
  if (isInt(x) && decimals == 0) {
    digits = fmt::format("{}", asInt(x));
  } else {
    // Half away from zero (fmt alone rounds half to even: 0.5 -> "0").
    double scale = std::pow(10.0, static_cast<double>(decimals));
    double v = asDouble(x), r = std::round(v * scale) / scale;
    digits = fmt::format("{:.{}f}", std::isfinite(r) ? r : v, static_cast<int>(decimals));
  }
  bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.erase(0, 1);
  if (digits.find_first_not_of("0.") == std::string::npos) neg = false; // no "-0.00"
  size_t dot = digits.find('.');
  size_t intLen = dot == std::string::npos ? digits.size() : dot;
  std::string out = neg ? "-" : "";
  for (size_t i = 0; i < intLen; ++i) {
    if (i > 0 && (intLen - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  out.append(digits, intLen);
  return out;
}

EvalResult formatNumberImpl(Args a) {
  int64_t decimals = a.size() > 1 ? asInt(a[1]) : 0;
  if (decimals < 0 || decimals > 12)
    return fail("format_number: decimals must be between 0 and 12");
  return json(groupedNumber(a[0], decimals));
}

struct Currency {
  const char* code;
  const char* symbol;
  int decimals;
};
constexpr Currency kCurrencies[] = {
    {"USD", "$", 2}, {"EUR", "€", 2}, {"GBP", "£", 2}, {"JPY", "¥", 0},
    {"CNY", "¥", 2}, {"INR", "₹", 2}, {"KRW", "₩", 0},
};

EvalResult formatMoneyImpl(Args a) {
  std::string code = a.size() > 1 ? str(a[1]) : "USD";
  if (code.size() != 3 || code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
    return fail(fmt::format("format_money: '{}' is not a 3-letter ISO 4217 currency code", code));
  for (const Currency& c : kCurrencies) {
    if (code != c.code) continue;
    std::string n = groupedNumber(json(asDouble(a[0])), c.decimals);
    if (n[0] == '-') return json("-" + std::string(c.symbol) + n.substr(1));
    return json(c.symbol + n);
  }
  return json(groupedNumber(json(asDouble(a[0])), 2) + " " + code);
}

} // namespace

void registerStrings(std::vector<Function>& out) {
  auto add = [&](std::string_view name, std::string_view doc, std::vector<Param> params,
                 TypeSpec result, Impl impl) {
    out.push_back(Function{name, "string", doc, std::move(params), result, true, impl});
  };
  add("upper", "ASCII letters to upper case.", {{"text", tStr()}}, tStr(),
      [](Args a) { return caseImpl(a, true); });
  add("lower", "ASCII letters to lower case.", {{"text", tStr()}}, tStr(),
      [](Args a) { return caseImpl(a, false); });
  add("trim", "Without leading and trailing ASCII whitespace.", {{"text", tStr()}}, tStr(),
      trimImpl);
  add("split", "Pieces between occurrences of sep; without sep, the words.",
      {{"text", tStr()}, opt("sep", tStr())}, tList(Kind::String), splitImpl);
  add("replace", "Every occurrence of `from` replaced by `to`.",
      {{"text", tStr()}, {"from", tStr()}, {"to", tStr()}}, tStr(), replaceImpl);
  add("starts_with", "Whether text begins with prefix.", {{"text", tStr()}, {"prefix", tStr()}},
      tBool(), [](Args a) { return EvalResult(json(str(a[0]).starts_with(str(a[1])))); });
  add("ends_with", "Whether text ends with suffix.", {{"text", tStr()}, {"suffix", tStr()}},
      tBool(), [](Args a) { return EvalResult(json(str(a[0]).ends_with(str(a[1])))); });
  add("substr", "`length` characters (code points) from `start`; to the end by default.",
      {{"text", tStr()}, {"start", tInt()}, opt("length", tInt())}, tStr(), substrImpl);
  add("find", "Character index of the first occurrence of needle, or -1.",
      {{"text", tStr()}, {"needle", tStr()}}, tInt(), findImpl);
  add("word_count", "Number of whitespace-separated words.", {{"text", tStr()}}, tInt(),
      wordCountImpl);
  add("char_count", "Number of characters (Unicode code points).", {{"text", tStr()}}, tInt(),
      [](Args a) { return EvalResult(json(static_cast<int64_t>(codePoints(str(a[0]))))); });
  add("to_string", "The value as interpolated into text.", {{"value", tAny()}}, tStr(),
      [](Args a) { return EvalResult(json(toText(a[0]))); });
  add("parse_int", "Decimal integer text (surrounding whitespace allowed) to an int.",
      {{"text", tStr()}}, tInt(), parseIntImpl);
  add("parse_float", "Decimal number text to a float.", {{"text", tStr()}}, tFloat(),
      parseFloatImpl);
  add("format_number", "Fixed decimals (default 0) with ',' thousands separators.",
      {{"x", tNum()}, opt("decimals", tInt())}, tStr(), formatNumberImpl);
  add("format_money", "Amount with currency symbol and the currency's decimals (default USD).",
      {{"x", tNum()}, opt("currency", tStr())}, tStr(), formatMoneyImpl);
}

} // namespace awc::stdlib::detail
