// list: len, sum, avg, count, sort, sort_desc, reverse, unique, first, last, join, contains,
// slice, top, range, min_of, max_of, keys.
#include "builtins.h"

#include <algorithm>

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

/// Upper bound on lists built from a number (range), so a typo cannot exhaust memory.
constexpr int64_t kMaxRange = 1'000'000;

EvalResult lenImpl(Args a) {
  const json& x = a[0];
  if (x.is_array() || x.is_object()) return json(static_cast<int64_t>(x.size()));
  if (x.is_string()) return json(static_cast<int64_t>(codePoints(str(x))));
  return fail(fmt::format("len: needs a list, string or record, got {}", typeName(x)));
}

EvalResult sumImpl(Args a) {
  int64_t isum = 0;
  double fsum = 0;
  bool isFloat = false;
  for (const json& v : a[0]) {
    if (!isFloat && isInt(v)) {
      if (__builtin_add_overflow(isum, asInt(v), &isum)) return fail("sum: integer overflow");
      continue;
    }
    if (!isFloat) {
      isFloat = true;
      fsum = static_cast<double>(isum);
    }
    fsum += asDouble(v);
  }
  if (isFloat) return floatValue(fsum, "sum");
  return json(isum);
}

EvalResult avgImpl(Args a) {
  if (a[0].empty()) return fail("avg: the list is empty");
  double s = 0;
  for (const json& v : a[0])
    s += asDouble(v);
  return floatValue(s / static_cast<double>(a[0].size()), "avg");
}

EvalResult countImpl(Args a) {
  int64_t n = 0;
  for (const json& v : a[0])
    n += v == a[1] ? 1 : 0;
  return json(n);
}

/// Sort order for sort/top/min_of/max_of: all numbers or all strings, else an error.
bool checkSortable(const json& list, std::string_view fn, std::string& err) {
  bool nums = true, strs = true;
  for (const json& v : list) {
    nums = nums && v.is_number();
    strs = strs && v.is_string();
  }
  if (!nums && !strs) err = fmt::format("{}: elements must be all numbers or all strings", fn);
  return nums || strs;
}

bool lessValue(const json& x, const json& y) {
  if (x.is_string()) return str(x) < str(y);
  if (isInt(x) && isInt(y)) return asInt(x) < asInt(y);
  return asDouble(x) < asDouble(y);
}

EvalResult sortedImpl(Args a, bool desc, std::string_view fn) {
  std::string err;
  if (!checkSortable(a[0], fn, err)) return fail(err);
  json out = a[0];
  auto& v = out.get_ref<json::array_t&>();
  if (desc)
    std::stable_sort(v.begin(), v.end(),
                     [](const json& x, const json& y) { return lessValue(y, x); });
  else
    std::stable_sort(v.begin(), v.end(), lessValue);
  return out;
}

EvalResult reverseImpl(Args a) {
  json out = a[0];
  auto& v = out.get_ref<json::array_t&>();
  std::reverse(v.begin(), v.end());
  return out;
}

EvalResult uniqueImpl(Args a) {
  json out = json::array();
  for (const json& v : a[0]) {
    bool seen = false;
    for (const json& o : out)
      seen = seen || o == v;
    if (!seen) out.push_back(v);
  }
  return out;
}

EvalResult firstImpl(Args a) {
  if (a[0].empty()) return fail("first: the list is empty");
  return a[0].front();
}

EvalResult lastImpl(Args a) {
  if (a[0].empty()) return fail("last: the list is empty");
  return a[0].back();
}

EvalResult joinImpl(Args a) {
  std::string out;
  bool firstElem = true;
  for (const json& v : a[0]) {
    if (!firstElem) out += str(a[1]);
    firstElem = false;
    appendText(out, v);
    if (out.size() > kMaxValueBytes) return failLimit("join: result larger than 64 MB");
  }
  return json(std::move(out));
}

EvalResult containsImpl(Args a) {
  const json& x = a[0];
  if (x.is_array()) return json(std::find(x.begin(), x.end(), a[1]) != x.end());
  if (x.is_string()) {
    if (!a[1].is_string())
      return fail(
          fmt::format("contains: searching a string needs a string, got {}", typeName(a[1])));
    return json(str(x).find(str(a[1])) != std::string::npos);
  }
  if (x.is_object()) {
    if (!a[1].is_string())
      return fail(fmt::format("contains: a record key must be a string, got {}", typeName(a[1])));
    return json(x.contains(str(a[1])));
  }
  return fail(fmt::format("contains: needs a list, string or record, got {}", typeName(x)));
}

// Python-style bounds: negative counts from the end, then clamped to the list.
EvalResult sliceImpl(Args a) {
  const auto n = static_cast<int64_t>(a[0].size());
  auto norm = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t{0}, n); };
  int64_t from = norm(asInt(a[1]));
  int64_t to = a.size() > 2 ? norm(asInt(a[2])) : n;
  json out = json::array();
  for (int64_t i = from; i < to; ++i)
    out.push_back(a[0][static_cast<size_t>(i)]);
  return out;
}

EvalResult topImpl(Args a) {
  int64_t n = asInt(a[1]);
  if (n < 0) return fail("top: n must not be negative");
  EvalResult sorted = sortedImpl(a.first(1), true, "top");
  if (!sorted) return sorted;
  json& v = sorted.value();
  if (static_cast<int64_t>(v.size()) > n) v.erase(v.begin() + n, v.end());
  return sorted;
}

EvalResult rangeImpl(Args a) {
  int64_t from = 0, to = asInt(a[0]);
  if (a.size() > 1) {
    from = to;
    to = asInt(a[1]);
  }
  if (to > from && to - from > kMaxRange)
    return fail(fmt::format("range: more than {} elements", kMaxRange));
  json out = json::array();
  for (int64_t i = from; i < to; ++i)
    out.push_back(i);
  return out;
}

EvalResult extremeImpl(Args a, bool wantMax, std::string_view fn) {
  if (a[0].empty()) return fail(fmt::format("{}: the list is empty", fn));
  std::string err;
  if (!checkSortable(a[0], fn, err)) return fail(err);
  const json* best = &a[0][0];
  for (const json& v : a[0])
    if (wantMax ? lessValue(*best, v) : lessValue(v, *best)) best = &v;
  return *best;
}

EvalResult keysImpl(Args a) {
  json out = json::array();
  for (auto it = a[0].begin(); it != a[0].end(); ++it)
    out.push_back(it.key());
  return out;
}

} // namespace

void registerLists(std::vector<Function>& out) {
  auto add = [&](std::string_view name, std::string_view doc, std::vector<Param> params,
                 TypeSpec result, Impl impl) {
    out.push_back(Function{name, "list", doc, std::move(params), result, true, impl});
  };
  TypeSpec listOfInt = tList(Kind::Int);
  add("len", "Number of elements of a list, code points of a string, or fields of a record.",
      {{"x", tAny()}}, tInt(), lenImpl);
  add("sum", "Sum of a list of numbers (0 for an empty list).", {{"list", tList(Kind::Number)}},
      elemOf(0, Kind::Number), sumImpl);
  add("avg", "Mean of a non-empty list of numbers.", {{"list", tList(Kind::Number)}}, tFloat(),
      avgImpl);
  add("count", "How many elements equal value.", {{"list", tList()}, {"value", tAny()}}, tInt(),
      countImpl);
  add("sort", "Ascending stable sort of numbers or strings.", {{"list", tList()}}, sameAs(0),
      [](Args a) { return sortedImpl(a, false, "sort"); });
  add("sort_desc", "Descending stable sort of numbers or strings.", {{"list", tList()}}, sameAs(0),
      [](Args a) { return sortedImpl(a, true, "sort_desc"); });
  add("reverse", "The list in reverse order.", {{"list", tList()}}, sameAs(0), reverseImpl);
  add("unique", "The list without repeated elements, first occurrences kept in order.",
      {{"list", tList()}}, sameAs(0), uniqueImpl);
  add("first", "The first element (error if empty).", {{"list", tList()}}, elemOf(0), firstImpl);
  add("last", "The last element (error if empty).", {{"list", tList()}}, elemOf(0), lastImpl);
  add("join", "Elements as text (see toText) separated by sep.",
      {{"list", tList()}, {"sep", tStr()}}, tStr(), joinImpl);
  add("contains", "List membership, substring test, or record key test.",
      {{"x", tAny()}, {"value", tAny()}}, tBool(), containsImpl);
  add("slice",
      "Elements [from, to) with Python-style negative and clamped bounds; to defaults to the end.",
      {{"list", tList()}, {"from", tInt()}, opt("to", tInt())}, sameAs(0), sliceImpl);
  add("top", "The n largest elements, largest first.", {{"list", tList()}, {"n", tInt()}},
      sameAs(0), topImpl);
  add("range", "range(n) = [0, n); range(a, b) = [a, b). At most 1,000,000 elements.",
      {{"n", tInt()}, opt("to", tInt())}, listOfInt, rangeImpl);
  add("min_of", "Smallest element of a non-empty list of numbers or strings.", {{"list", tList()}},
      elemOf(0), [](Args a) { return extremeImpl(a, false, "min_of"); });
  add("max_of", "Largest element of a non-empty list of numbers or strings.", {{"list", tList()}},
      elemOf(0), [](Args a) { return extremeImpl(a, true, "max_of"); });
  add("keys", "Field names of a record, sorted.", {{"record", tRecord()}}, tList(Kind::String),
      keysImpl);
}

} // namespace awc::stdlib::detail
