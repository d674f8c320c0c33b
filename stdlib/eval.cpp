// The native expression evaluator. Works on pointers where it can (literals, refs, field and
// index chains are read in place, not copied) and reports every failure as an EvalError.
#include "awc/stdlib/eval.h"

#include "awc/stdlib/functions.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <set>
#include <vector>

namespace awc::stdlib {

using nlohmann::json;

namespace {

/// Operators of {"op": ...} nodes.
enum class Op { Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Not, Neg, Unknown };

Op parseOp(std::string_view s) {
  if (s.size() == 1) {
    switch (s[0]) {
    case '+':
      return Op::Add;
    case '-':
      return Op::Sub;
    case '*':
      return Op::Mul;
    case '/':
      return Op::Div;
    case '%':
      return Op::Mod;
    case '<':
      return Op::Lt;
    case '>':
      return Op::Gt;
    }
    return Op::Unknown;
  }
  if (s == "==") return Op::Eq;
  if (s == "!=") return Op::Ne;
  if (s == "<=") return Op::Le;
  if (s == ">=") return Op::Ge;
  if (s == "and") return Op::And;
  if (s == "or") return Op::Or;
  if (s == "not") return Op::Not;
  if (s == "neg") return Op::Neg;
  return Op::Unknown;
}

/// Node kinds, identified by the node's keys.
enum class Node { Lit, Ref, Field, Index, Op, Call, If, List, Record, Text, Unknown };

Node nodeKind(const json& e) {
  if (!e.is_object() || e.empty()) return Node::Unknown;
  // Keys are sorted; the first key plus a lookup identifies every node kind.
  const std::string& k = e.begin().key();
  switch (k[0]) {
  case 'l':
    if (k == "lit") return Node::Lit;
    if (k == "list") return Node::List;
    break;
  case 'r':
    if (k == "ref") return Node::Ref;
    if (k == "record") return Node::Record;
    break;
  case 't':
    if (k == "text") return Node::Text;
    break;
  case 'f':
    if (k == "field") return Node::Field;
    break;
  case 'i':
    if (k == "index") return Node::Index;
    if (k == "if") return Node::If;
    break;
  case 'e':
    if (k == "else" && e.contains("if")) return Node::If;
    break;
  case 'c':
    if (k == "call") return Node::Call;
    break;
  case 'a':
    if (k == "args") {
      if (e.contains("op")) return Node::Op;
      if (e.contains("call")) return Node::Call;
    }
    break;
  case 'o':
    if (k == "op") return Node::Op;
    break;
  }
  return Node::Unknown;
}

const json* member(const json& e, const char* key) {
  auto it = e.find(key);
  return it == e.end() ? nullptr : &*it;
}

const json kEmptyArgs = json::array();

const json& argsOf(const json& e) {
  const json* a = member(e, "args");
  return a && a->is_array() ? *a : kEmptyArgs;
}

class Evaluator {
public:
  Evaluator(Resolver resolve, bool constantOnly, const EvalLimits& limits)
      : resolve_(resolve), constantOnly_(constantOnly), limits_(limits) {}

  /// Evaluates e. The result is either a pointer into the tree / environment, or into `tmp`.
  /// Returns nullptr on error (error_ is set).
  const json* eval(const json& e, json& tmp) {
    if (!charge(64)) return nullptr;
    if (++depth_ > kMaxExprDepth) {
      --depth_;
      return fail(fmt::format("expression nested deeper than {} levels", kMaxExprDepth));
    }
    const json* r = evalNode(e, tmp);
    --depth_;
    return r;
  }

  std::string error_;
  bool overLimit_ = false; // the failure was a budget, not the expression

private:
  static std::string bytesText(size_t n) {
    return n % (size_t{1} << 20) == 0 ? fmt::format("{} MB", n >> 20) : fmt::format("{} bytes", n);
  }
  const json* limitFail(std::string msg) {
    if (error_.empty()) overLimit_ = true;
    return fail(std::move(msg));
  }
  /// Counts work: one step per 64 bytes (an expression node counts 64); false past the budget.
  bool charge(size_t bytes) {
    steps_ += bytes / 64 + 1;
    if (steps_ <= limits_.maxSteps) return true;
    limitFail(fmt::format("evaluation needs more than {} steps", limits_.maxSteps));
    return false;
  }
  /// The size of a value about to be kept, charged as work; false when it is over the limit.
  bool fits(const json& v, size_t alreadyBytes, std::string_view what) {
    size_t b = approxValueBytes(v, limits_.maxValueBytes);
    if (!charge(b)) return false;
    if (alreadyBytes + b <= limits_.maxValueBytes) return true;
    limitFail(fmt::format("{} would be larger than {}", what, bytesText(limits_.maxValueBytes)));
    return false;
  }
  const json* fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return nullptr;
  }
  const json* failed(EvalResult&& r, json& tmp) {
    if (r.ok()) {
      tmp = std::move(r).value();
      return fits(tmp, 0, "a function's result") ? &tmp : nullptr;
    }
    return r.overLimit() ? limitFail(r.error()) : fail(r.error());
  }

  const json* evalNode(const json& e, json& tmp) {
    switch (nodeKind(e)) {
    case Node::Lit:
      return &e.begin().value();
    case Node::Ref:
      return evalRef(e.begin().value());
    case Node::Field:
      return evalField(e, tmp);
    case Node::Index:
      return evalIndex(e, tmp);
    case Node::Op:
      return evalOp(e, tmp);
    case Node::Call:
      return evalCall(e, tmp);
    case Node::If:
      return evalIf(e, tmp);
    case Node::List:
      return evalList(e.begin().value(), tmp);
    case Node::Record:
      return evalRecord(e.begin().value(), tmp);
    case Node::Text:
      return evalText(e.begin().value(), tmp);
    case Node::Unknown:
      break;
    }
    return fail(fmt::format("malformed expression: {}", truncated(e)));
  }

  static std::string truncated(const json& e) {
    std::string s = toJsonText(e);
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
  }

  const json* evalRef(const json& name) {
    if (!name.is_string()) return fail("malformed expression: ref name must be a string");
    const std::string& n = name.get_ref<const std::string&>();
    if (constantOnly_) return fail(fmt::format("'{}' is not a constant", n));
    const json* v = resolve_(n);
    if (!v) return fail(fmt::format("unknown name '{}'", n));
    return v;
  }

  const json* evalField(const json& e, json& tmp) {
    const json* name = member(e, "field");
    const json* of = member(e, "of");
    if (!name || !name->is_string() || !of) return fail("malformed expression: field node");
    json inner;
    const json* base = eval(*of, inner);
    if (!base) return nullptr;
    if (!base->is_object())
      return fail(fmt::format("cannot read field '{}' of a {}", name->get_ref<const std::string&>(),
                              typeName(*base)));
    auto it = base->find(name->get_ref<const std::string&>());
    if (it == base->end())
      return fail(fmt::format("record has no field '{}'", name->get_ref<const std::string&>()));
    if (base == &inner) {
      // The record lives in a local temporary; move the field out before it dies.
      tmp = std::move(const_cast<json&>(*it));
      return &tmp;
    }
    return &*it;
  }

  const json* evalIndex(const json& e, json& tmp) {
    const json* idxExpr = member(e, "index");
    const json* of = member(e, "of");
    if (!idxExpr || !of) return fail("malformed expression: index node");
    json inner, idxTmp;
    const json* base = eval(*of, inner);
    if (!base) return nullptr;
    const json* idx = eval(*idxExpr, idxTmp);
    if (!idx) return nullptr;
    const json* elem = nullptr;
    if (base->is_array()) {
      if (!isInt(*idx))
        return fail(fmt::format("list index must be an int, got {}", typeName(*idx)));
      int64_t i = asInt(*idx);
      if (i < 0 || static_cast<uint64_t>(i) >= base->size())
        return fail(
            fmt::format("index {} out of range for a list of {} elements", i, base->size()));
      elem = &(*base)[static_cast<size_t>(i)];
    } else if (base->is_object()) {
      if (!idx->is_string())
        return fail(fmt::format("record key must be a string, got {}", typeName(*idx)));
      auto it = base->find(idx->get_ref<const std::string&>());
      if (it == base->end())
        return fail(fmt::format("record has no field '{}'", idx->get_ref<const std::string&>()));
      elem = &*it;
    } else {
      return fail(fmt::format("cannot index a {}", typeName(*base)));
    }
    if (base == &inner) {
      tmp = std::move(*const_cast<json*>(elem));
      return &tmp;
    }
    return elem;
  }

  const json* evalIf(const json& e, json& tmp) {
    const json* c = member(e, "if");
    const json* t = member(e, "then");
    const json* f = member(e, "else");
    if (!c || !t || !f) return fail("malformed expression: if node needs if, then and else");
    json ct;
    const json* cv = eval(*c, ct);
    if (!cv) return nullptr;
    if (!cv->is_boolean())
      return fail(fmt::format("condition must be a bool, got {}", typeName(*cv)));
    return eval(cv->get<bool>() ? *t : *f, tmp);
  }

  const json* evalList(const json& elems, json& tmp) {
    if (!elems.is_array()) return fail("malformed expression: list node needs an array");
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(elems.size());
    size_t bytes = 16;
    for (const json& el : elems) {
      json t;
      const json* v = eval(el, t);
      if (!v || !fits(*v, bytes, "a list")) return nullptr;
      bytes += approxValueBytes(*v, limits_.maxValueBytes);
      out.push_back(v == &t ? std::move(t) : *v);
    }
    tmp = std::move(out);
    return &tmp;
  }

  const json* evalRecord(const json& fields, json& tmp) {
    if (!fields.is_object()) return fail("malformed expression: record node needs an object");
    json out = json::object();
    size_t bytes = 16;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      json t;
      const json* v = eval(it.value(), t);
      if (!v || !fits(*v, bytes, "a record")) return nullptr;
      bytes += approxValueBytes(*v, limits_.maxValueBytes) + 16 + it.key().size();
      out[it.key()] = v == &t ? std::move(t) : *v;
    }
    tmp = std::move(out);
    return &tmp;
  }

  const json* evalText(const json& parts, json& tmp) {
    if (!parts.is_array()) return fail("malformed expression: text node needs an array");
    std::string out;
    for (const json& p : parts) {
      json t;
      const json* v = eval(p, t);
      if (!v) return nullptr;
      appendText(out, *v);
      if (!charge(out.size()) || out.size() > limits_.maxValueBytes)
        return limitFail(
            fmt::format("a text would be longer than {}", bytesText(limits_.maxValueBytes)));
    }
    tmp = std::move(out);
    return &tmp;
  }

  const json* evalCall(const json& e, json& tmp) {
    const json* name = member(e, "call");
    if (!name || !name->is_string())
      return fail("malformed expression: call name must be a string");
    const std::string& n = name->get_ref<const std::string&>();
    const Function* f = findFunction(n);
    if (!f) return fail(fmt::format("unknown function '{}'", n));
    const json& args = argsOf(e);
    std::vector<json> values;
    values.reserve(args.size());
    for (const json& a : args) {
      json t;
      const json* v = eval(a, t);
      if (!v) return nullptr;
      values.push_back(v == &t ? std::move(t) : *v);
    }
    return failed(callFunction(*f, std::span<const json>(values.data(), values.size())), tmp);
  }

  const json* evalOp(const json& e, json& tmp) {
    const json* opName = member(e, "op");
    if (!opName || !opName->is_string()) return fail("malformed expression: op must be a string");
    Op op = parseOp(opName->get_ref<const std::string&>());
    const json& args = argsOf(e);
    if (op == Op::Unknown)
      return fail(fmt::format("unknown operator '{}'", opName->get_ref<const std::string&>()));
    if (op == Op::And || op == Op::Or) return evalLogic(op, args, tmp);
    if (op == Op::Not || op == Op::Neg) {
      if (args.size() != 1) return fail("malformed expression: unary operator needs one argument");
      json t;
      const json* a = eval(args[0], t);
      if (!a) return nullptr;
      return op == Op::Not ? evalNot(*a, tmp) : evalNeg(*a, tmp);
    }
    if (args.size() != 2) return fail("malformed expression: binary operator needs two arguments");
    json ta, tb;
    const json* a = eval(args[0], ta);
    if (!a) return nullptr;
    const json* b = eval(args[1], tb);
    if (!b) return nullptr;
    return evalBinary(op, opName->get_ref<const std::string&>(), *a, *b, tmp);
  }

  const json* evalLogic(Op op, const json& args, json& tmp) {
    if (args.size() < 2) return fail("malformed expression: and/or need at least two arguments");
    // Short-circuit: stop at the first operand that decides the result.
    const bool stopOn = op == Op::Or;
    for (const json& a : args) {
      json t;
      const json* v = eval(a, t);
      if (!v) return nullptr;
      if (!v->is_boolean())
        return fail(fmt::format("'{}' needs bool operands, got {}", op == Op::And ? "and" : "or",
                                typeName(*v)));
      if (v->get<bool>() == stopOn) {
        tmp = stopOn;
        return &tmp;
      }
    }
    tmp = !stopOn;
    return &tmp;
  }

  const json* evalNot(const json& a, json& tmp) {
    if (!a.is_boolean()) return fail(fmt::format("'not' needs a bool, got {}", typeName(a)));
    tmp = !a.get<bool>();
    return &tmp;
  }

  const json* evalNeg(const json& a, json& tmp) {
    if (isInt(a)) {
      int64_t i = asInt(a);
      if (i == std::numeric_limits<int64_t>::min()) return fail("integer overflow in negation");
      tmp = -i;
      return &tmp;
    }
    if (a.is_number()) {
      tmp = -asDouble(a);
      return &tmp;
    }
    return fail(fmt::format("cannot negate a {}", typeName(a)));
  }

  const json* floatResult(double d, std::string_view op, json& tmp) {
    if (!std::isfinite(d)) return fail(fmt::format("float overflow in '{}'", op));
    tmp = d;
    return &tmp;
  }

  const json* typeMismatch(std::string_view op, const json& a, const json& b) {
    return fail(fmt::format("cannot apply '{}' to {} and {}", op, typeName(a), typeName(b)));
  }

  const json* evalBinary(Op op, std::string_view name, const json& a, const json& b, json& tmp) {
    switch (op) {
    case Op::Eq:
      tmp = a == b;
      return &tmp;
    case Op::Ne:
      tmp = a != b;
      return &tmp;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return evalCompare(op, name, a, b, tmp);
    default:
      break;
    }
    const bool ints = isInt(a) && isInt(b);
    const bool nums = a.is_number() && b.is_number();
    if (op == Op::Add && !nums) {
      if (a.is_string() && b.is_string()) {
        size_t n = a.get_ref<const std::string&>().size() + b.get_ref<const std::string&>().size();
        if (!charge(n)) return nullptr;
        if (n > limits_.maxValueBytes)
          return limitFail(fmt::format("'+' would build a string longer than {}",
                                       bytesText(limits_.maxValueBytes)));
        std::string s;
        s.reserve(a.get_ref<const std::string&>().size() + b.get_ref<const std::string&>().size());
        s += a.get_ref<const std::string&>();
        s += b.get_ref<const std::string&>();
        tmp = std::move(s);
        return &tmp;
      }
      if (a.is_array() && b.is_array()) {
        if (!fits(a, 0, "'+' of two lists") ||
            !fits(b, approxValueBytes(a, limits_.maxValueBytes), "'+' of two lists"))
          return nullptr;
        json out = a;
        for (const json& x : b)
          out.push_back(x);
        tmp = std::move(out);
        return &tmp;
      }
      return typeMismatch(name, a, b);
    }
    if (!nums) return typeMismatch(name, a, b);
    if (op == Op::Div) {
      double d = asDouble(b);
      if (d == 0) return fail("division by zero");
      return floatResult(asDouble(a) / d, name, tmp);
    }
    if (op == Op::Mod) {
      if (!ints)
        return fail(fmt::format("'%' needs int operands, got {} and {}", typeName(a), typeName(b)));
      int64_t x = asInt(a), y = asInt(b);
      if (y == 0) return fail("division by zero in '%'");
      tmp = y == -1 ? int64_t{0} : x % y; // INT64_MIN % -1 is UB in C++; the answer is 0
      return &tmp;
    }
    if (ints) {
      int64_t x = asInt(a), y = asInt(b), r = 0;
      bool overflow = false;
      if (op == Op::Add)
        overflow = __builtin_add_overflow(x, y, &r);
      else if (op == Op::Sub)
        overflow = __builtin_sub_overflow(x, y, &r);
      else
        overflow = __builtin_mul_overflow(x, y, &r);
      if (overflow) return fail(fmt::format("integer overflow in '{}'", name));
      tmp = r;
      return &tmp;
    }
    double x = asDouble(a), y = asDouble(b);
    double r = op == Op::Add ? x + y : op == Op::Sub ? x - y : x * y;
    return floatResult(r, name, tmp);
  }

  const json* evalCompare(Op op, std::string_view name, const json& a, const json& b, json& tmp) {
    int c = 0;
    if (isInt(a) && isInt(b)) {
      int64_t x = asInt(a), y = asInt(b);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else if (a.is_number() && b.is_number()) {
      double x = asDouble(a), y = asDouble(b);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else if (a.is_string() && b.is_string()) {
      int r = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      c = r < 0 ? -1 : r > 0 ? 1 : 0;
    } else {
      return typeMismatch(name, a, b);
    }
    bool r = op == Op::Lt ? c < 0 : op == Op::Le ? c <= 0 : op == Op::Gt ? c > 0 : c >= 0;
    tmp = r;
    return &tmp;
  }

  Resolver resolve_;
  bool constantOnly_;
  const EvalLimits& limits_;
  uint64_t steps_ = 0;
  int depth_ = 0;
};

const json* noRefs(std::string_view) {
  return nullptr;
}

EvalResult run(const json& expr, Resolver resolve, bool constantOnly, const EvalLimits& limits) {
  try {
    Evaluator ev(resolve, constantOnly, limits);
    json tmp;
    const json* v = ev.eval(expr, tmp);
    if (!v) return EvalError{std::move(ev.error_), ev.overLimit_};
    if (v == &tmp) return EvalResult(std::move(tmp));
    return EvalResult(*v);
  } catch (const std::exception& ex) {
    // Implementations check their inputs; this is a last line of defence (e.g. bad_alloc).
    return EvalError{fmt::format("internal error: {}", ex.what())};
  }
}

/// Walks every sub-expression (depth-bounded); `visit` returns false to stop.
template <typename Visit> bool walk(const json& e, int depth, Visit& visit) {
  if (depth > kMaxExprDepth) return visit(e, depth, Node::Unknown) && false;
  Node k = nodeKind(e);
  if (!visit(e, depth, k)) return false;
  auto sub = [&](const json* x) { return !x || walk(*x, depth + 1, visit); };
  switch (k) {
  case Node::Field:
    return sub(member(e, "of"));
  case Node::Index:
    return sub(member(e, "of")) && sub(member(e, "index"));
  case Node::If:
    return sub(member(e, "if")) && sub(member(e, "then")) && sub(member(e, "else"));
  case Node::Op:
  case Node::Call:
    for (const json& a : argsOf(e))
      if (!walk(a, depth + 1, visit)) return false;
    return true;
  case Node::List:
  case Node::Text:
    if (e.begin().value().is_array())
      for (const json& a : e.begin().value())
        if (!walk(a, depth + 1, visit)) return false;
    return true;
  case Node::Record:
    if (e.begin().value().is_object())
      for (const json& a : e.begin().value())
        if (!walk(a, depth + 1, visit)) return false;
    return true;
  default:
    return true;
  }
}

} // namespace

EvalResult evaluate(const json& expr, Resolver resolve, const EvalLimits& limits) {
  return run(expr, resolve, false, limits);
}

EvalResult evaluateConstant(const json& expr, const EvalLimits& limits) {
  return run(expr, noRefs, true, limits);
}

void collectRefs(const json& expr, std::vector<std::string>& out) {
  // A set of what `out` holds, so an expression reading thousands of names (a list of every
  // step) costs n log n, not n².
  std::set<std::string_view> seen;
  std::vector<std::string> added; // kept apart so `seen`'s views stay valid while collecting
  for (const std::string& o : out)
    seen.insert(o);
  auto visit = [&](const json& e, int, Node k) {
    if (k == Node::Ref && e.begin().value().is_string()) {
      const std::string& n = e.begin().value().get_ref<const std::string&>();
      if (seen.insert(n).second) added.push_back(n);
    }
    return true;
  };
  walk(expr, 1, visit);
  out.insert(out.end(), std::make_move_iterator(added.begin()),
             std::make_move_iterator(added.end()));
}

std::string validate(const json& expr) {
  std::string problem;
  auto visit = [&](const json& e, int depth, Node k) {
    auto bad = [&](std::string msg) {
      problem = std::move(msg);
      return false;
    };
    if (depth > kMaxExprDepth)
      return bad(fmt::format("expression nested deeper than {} levels", kMaxExprDepth));
    switch (k) {
    case Node::Unknown:
      return bad(fmt::format("malformed expression: {}", toJsonText(e).substr(0, 80)));
    case Node::Ref:
      if (!e.begin().value().is_string())
        return bad("malformed expression: ref name must be a string");
      return true;
    case Node::Field:
      if (!member(e, "field")->is_string() || !member(e, "of"))
        return bad("malformed expression: field node");
      return true;
    case Node::Index:
      if (!member(e, "of")) return bad("malformed expression: index node");
      return true;
    case Node::If:
      if (!member(e, "if") || !member(e, "then") || !member(e, "else"))
        return bad("malformed expression: if node needs if, then and else");
      return true;
    case Node::List:
    case Node::Text:
      if (!e.begin().value().is_array())
        return bad("malformed expression: list/text node needs an array");
      return true;
    case Node::Record:
      if (!e.begin().value().is_object())
        return bad("malformed expression: record node needs an object");
      return true;
    case Node::Op: {
      const json* o = member(e, "op");
      if (!o->is_string()) return bad("malformed expression: op must be a string");
      Op op = parseOp(o->get_ref<const std::string&>());
      size_t n = argsOf(e).size();
      if (op == Op::Unknown)
        return bad(fmt::format("unknown operator '{}'", o->get_ref<const std::string&>()));
      if ((op == Op::Not || op == Op::Neg) && n != 1)
        return bad("malformed expression: unary operator needs one argument");
      if ((op == Op::And || op == Op::Or) && n < 2)
        return bad("malformed expression: and/or need at least two arguments");
      if (op != Op::Not && op != Op::Neg && op != Op::And && op != Op::Or && n != 2)
        return bad("malformed expression: binary operator needs two arguments");
      return true;
    }
    case Node::Call: {
      const json* c = member(e, "call");
      if (!c->is_string()) return bad("malformed expression: call name must be a string");
      const Function* f = findFunction(c->get_ref<const std::string&>());
      if (!f) return bad(fmt::format("unknown function '{}'", c->get_ref<const std::string&>()));
      size_t n = argsOf(e).size();
      if (n < f->minArgs() || n > f->maxArgs()) return bad(arityError(*f, n));
      return true;
    }
    case Node::Lit:
      return true;
    }
    return true;
  };
  walk(expr, 1, visit);
  return problem;
}

bool isDeterministic(const json& expr) {
  bool det = true;
  auto visit = [&](const json& e, int, Node k) {
    if (k == Node::Call) {
      const json* c = member(e, "call");
      if (c->is_string())
        if (const Function* f = findFunction(c->get_ref<const std::string&>());
            f && !f->deterministic)
          det = false;
    }
    return det;
  };
  walk(expr, 1, visit);
  return det;
}

} // namespace awc::stdlib
