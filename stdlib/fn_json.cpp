// json: parse_json, json_get, to_json.
#include "builtins.h"

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

/// Limits on JSON text taken from models or tools: bigger or deeper input is refused, so that
/// later recursive walks (dump, equality) cannot exhaust the stack.
constexpr size_t kMaxJsonBytes = 16 * 1024 * 1024;
constexpr int kMaxJsonDepth = 256;

bool tooDeep(std::string_view s) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}')
      --depth;
  }
  return false;
}

EvalResult parseText(std::string_view s, std::string_view fn) {
  if (s.size() > kMaxJsonBytes) return fail(fmt::format("{}: JSON text larger than 16 MB", fn));
  if (tooDeep(s))
    return fail(fmt::format("{}: JSON nested deeper than {} levels", fn, kMaxJsonDepth));
  try {
    return json::parse(s);
  } catch (const json::parse_error& e) {
    return fail(fmt::format("{}: invalid JSON: {}", fn, e.what()));
  } catch (const json::exception&) {
    // out_of_range: a number too large for a double ("1e400").
    return fail(fmt::format("{}: invalid JSON: a number out of range", fn));
  }
}

/// Path syntax: fields separated by '.', list indexes in brackets: "a.b[0].c", "[2]", "" = all.
EvalResult getPath(const json& root, std::string_view path) {
  const json* cur = &root;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos)
        return fail(fmt::format("json_get: unclosed '[' in path '{}'", path));
      std::string_view num = path.substr(i + 1, close - i - 1);
      size_t idx = 0;
      if (num.empty() || num.size() > 9 ||
          num.find_first_not_of("0123456789") != std::string_view::npos)
        return fail(fmt::format("json_get: bad index '[{}]' in path '{}'", num, path));
      for (char c : num)
        idx = idx * 10 + static_cast<size_t>(c - '0');
      if (!cur->is_array())
        return fail(fmt::format("json_get: '{}' indexes a {}", path, typeName(*cur)));
      if (idx >= cur->size())
        return fail(fmt::format("json_get: index {} out of range in path '{}'", idx, path));
      cur = &(*cur)[idx];
      i = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string key(path.substr(i, end == std::string_view::npos ? path.npos : end - i));
    if (!cur->is_object())
      return fail(
          fmt::format("json_get: field '{}' of a {} in path '{}'", key, typeName(*cur), path));
    auto it = cur->find(key);
    if (it == cur->end())
      return fail(fmt::format("json_get: no field '{}' in path '{}'", key, path));
    cur = &*it;
    i = end == std::string_view::npos ? path.size() : end;
  }
  return *cur;
}

EvalResult jsonGetImpl(Args a) {
  json parsed;
  const json* root = &a[0];
  if (a[0].is_string()) {
    EvalResult r = parseText(str(a[0]), "json_get");
    if (!r) return a.size() > 2 ? EvalResult(a[2]) : r;
    parsed = std::move(r).value();
    root = &parsed;
  }
  EvalResult r = getPath(*root, str(a[1]));
  if (!r && a.size() > 2) return a[2];
  return r;
}

} // namespace

void registerJson(std::vector<Function>& out) {
  auto add = [&](std::string_view name, std::string_view doc, std::vector<Param> params,
                 TypeSpec result, Impl impl) {
    out.push_back(Function{name, "json", doc, std::move(params), result, true, impl});
  };
  add("parse_json", "Parse JSON text (at most 16 MB, 256 levels deep).", {{"text", tStr()}}, tAny(),
      [](Args a) { return parseText(str(a[0]), "parse_json"); });
  add("json_get",
      "Value at a path like \"a.b[0]\" in a value or in JSON text; `default` if missing.",
      {{"value", tAny()}, {"path", tStr()}, opt("default", tAny())}, tAny(), jsonGetImpl);
  add("to_json", "Compact JSON text with sorted keys.", {{"value", tAny()}}, tStr(),
      [](Args a) { return EvalResult(json(toJsonText(a[0]))); });
}

} // namespace awc::stdlib::detail
