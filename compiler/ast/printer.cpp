// printAst: the s-expression dump of a module (see printer.h). Recursion follows the AST,
// whose depth the parser bounds (ParseOptions::maxExprDepth).
#include "awc/ast/printer.h"

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace awc::ast {

namespace {

using llvm::dyn_cast;

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20)
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      else
        out += c;
    }
  }
  return out + "\"";
}

class Printer {
public:
  explicit Printer(const SourceManager& sources) : sources_(sources) {}
  std::string out;

  void module(const Module& m) {
    open("module", quote(sources_.name(m.file)), {});
    for (const auto& d : m.decls)
      decl(*d);
    close();
  }

private:
  const SourceManager& sources_;
  int indent_ = 0;

  std::string at(SourceRange r) const {
    if (!r.valid()) return "@?";
    LineCol lc = sources_.lineCol(r);
    return fmt::format("@{}:{}", lc.line, lc.col);
  }
  void open(std::string_view kind, std::string_view details, SourceRange r) {
    out.append(size_t(indent_) * 2, ' ');
    out += '(';
    out += kind;
    if (!details.empty()) {
      out += ' ';
      out += details;
    }
    if (r.valid()) {
      out += ' ';
      out += at(r);
    }
    out += '\n';
    ++indent_;
  }
  void close() {
    --indent_;
    // Closing parentheses go at the end of the node's last line, Lisp style.
    out.back() = ')';
    out += '\n';
  }
  void leaf(std::string_view kind, std::string_view details, SourceRange r) {
    open(kind, details, r);
    close();
  }

  void type(const TypeExpr* t, std::string_view label = "type") {
    if (!t) {
      leaf(label, "<missing>", {});
      return;
    }
    switch (t->kind) {
    case TypeExpr::Kind::Named:
      leaf(label, t->name, t->range);
      break;
    case TypeExpr::Kind::Generic:
      open(label, t->name + "<>", t->range);
      for (const auto& a : t->args)
        type(a.get());
      close();
      break;
    case TypeExpr::Kind::Enum: {
      std::string members;
      for (const auto& m : t->members)
        members += (members.empty() ? "" : " ") + m.name;
      leaf(label, "enum {" + members + "}", t->range);
      break;
    }
    case TypeExpr::Kind::Record:
      open(label, "record", t->range);
      for (const auto& f : t->fields) {
        open("field", f.description.empty() ? f.name : f.name + " " + quote(f.description),
             f.range);
        type(f.type.get());
        close();
      }
      close();
      break;
    }
  }

  void options(const std::vector<Option>& opts) {
    for (const auto& o : opts) {
      open("option", o.name, o.nameRange);
      expr(o.value.get());
      close();
    }
  }

  void params(const std::vector<std::unique_ptr<Param>>& ps) {
    for (const auto& p : ps) {
      open("param", p->name, p->range());
      type(p->typeExpr.get());
      if (p->defaultValue) {
        open("default", "", {});
        expr(p->defaultValue.get());
        close();
      }
      close();
    }
  }

  void step(const Step& s) {
    open("step", s.name, s.range());
    if (s.annotation) type(s.annotation.get(), "annotation");
    expr(s.value.get());
    close();
  }

  void block(std::string_view label, const Block& b) {
    open(label, "", b.range);
    for (const auto& s : b.steps)
      step(*s);
    expr(b.value.get());
    close();
  }

  void decl(const Decl& d) {
    SourceRange r = d.range();
    if (auto* i = dyn_cast<ImportDecl>(&d)) {
      leaf("import", (i->isStd ? "std " : "file ") + quote(i->path), r);
    } else if (auto* h = dyn_cast<HostDecl>(&d)) {
      std::string hosts;
      for (const auto& e : h->hosts)
        hosts += (hosts.empty() ? "" : " ") + quote(e.host);
      leaf("host", hosts, r);
    } else if (auto* m = dyn_cast<ModelDecl>(&d)) {
      open("model", fmt::format("{} {} {}", m->name, m->provider, quote(m->modelName)), r);
      options(m->options);
      close();
    } else if (auto* l = dyn_cast<LadderDecl>(&d)) {
      std::string rungs;
      for (const auto& g : l->rungs)
        rungs += " " + g.model;
      leaf("ladder", l->name + rungs, r);
    } else if (auto* t = dyn_cast<TypeAliasDecl>(&d)) {
      open("type-alias", t->name, r);
      type(t->type.get());
      close();
    } else if (auto* t = dyn_cast<ToolDecl>(&d)) {
      open("tool",
           t->impl == ToolDecl::Impl::Http
               ? fmt::format("{} http {} {}", t->name, t->method, quote(t->url))
               : t->name + " host",
           r);
      params(t->params);
      type(t->resultType.get(), "result");
      options(t->options);
      close();
    } else if (auto* c = dyn_cast<ConstDecl>(&d)) {
      open("const", c->name, r);
      if (c->annotation) type(c->annotation.get(), "annotation");
      expr(c->value.get());
      close();
    } else if (auto* w = dyn_cast<WorkflowDecl>(&d)) {
      open("workflow", w->name, r);
      params(w->params);
      type(w->resultType.get(), "result");
      options(w->options);
      for (const auto& s : w->steps)
        step(*s);
      open("return", "", w->returnRange);
      expr(w->result.get());
      close();
      close();
    }
  }

  void expr(const Expr* e) {
    if (!e) {
      leaf("<missing>", "", {});
      return;
    }
    SourceRange r = e->range();
    if (auto* l = dyn_cast<LiteralExpr>(e)) {
      switch (l->literalKind) {
      case LiteralExpr::Kind::Int:
        leaf("int", std::to_string(l->intValue), r);
        break;
      case LiteralExpr::Kind::Float:
        leaf("float", fmt::format("{}", l->floatValue), r);
        break;
      case LiteralExpr::Kind::Bool:
        leaf("bool", l->boolValue ? "true" : "false", r);
        break;
      case LiteralExpr::Kind::Duration:
        leaf("duration", std::to_string(l->intValue) + "ms", r);
        break;
      }
    } else if (auto* s = dyn_cast<StringExpr>(e)) {
      const char* style = s->style == StringExpr::Style::Quoted   ? "string"
                          : s->style == StringExpr::Style::Triple ? "string-triple"
                                                                  : "string-raw";
      if (s->isPlain()) {
        leaf(style, quote(s->plainText()), r);
      } else {
        open(style, "", r);
        for (const auto& p : s->parts) {
          if (p.expr)
            expr(p.expr.get());
          else
            leaf("text", quote(p.text), p.range);
        }
        close();
      }
    } else if (auto* n = dyn_cast<NameExpr>(e)) {
      leaf("name", n->name, r);
    } else if (auto* f = dyn_cast<FieldExpr>(e)) {
      open("field", f->field, r);
      expr(f->base.get());
      close();
    } else if (auto* i = dyn_cast<IndexExpr>(e)) {
      open("index", "", r);
      expr(i->base.get());
      expr(i->index.get());
      close();
    } else if (auto* u = dyn_cast<UnaryExpr>(e)) {
      open("unary", spelling(u->op), r);
      expr(u->operand.get());
      close();
    } else if (auto* b = dyn_cast<BinaryExpr>(e)) {
      open("binary", spelling(b->op), r);
      expr(b->lhs.get());
      expr(b->rhs.get());
      close();
    } else if (auto* c = dyn_cast<CallExpr>(e)) {
      open("call", c->callee, r);
      for (const auto& a : c->args) {
        if (!a.name.empty()) {
          open("arg", a.name, a.nameRange);
          expr(a.value.get());
          close();
        } else {
          expr(a.value.get());
        }
      }
      close();
    } else if (auto* l = dyn_cast<ListExpr>(e)) {
      open("list", "", r);
      for (const auto& x : l->elements)
        expr(x.get());
      close();
    } else if (auto* rec = dyn_cast<RecordExpr>(e)) {
      open("record", "", r);
      for (const auto& f : rec->fields) {
        open("init", f.name, f.nameRange);
        expr(f.value.get());
        close();
      }
      close();
    } else if (auto* i = dyn_cast<IfExpr>(e)) {
      open("if", "", r);
      expr(i->cond.get());
      block("then", i->thenBlock);
      block("else", i->elseBlock);
      close();
    } else if (auto* l = dyn_cast<LlmExpr>(e)) {
      std::string model =
          l->isAuto ? (l->model.empty() ? "auto" : "auto(" + l->model + ")") : l->model;
      open("llm", model, r);
      type(l->resultType.get(), "result");
      for (const auto& p : l->prompts) {
        open(p.role == LlmExpr::Role::System ? "system" : "user", "", p.roleRange);
        expr(p.text.get());
        close();
      }
      options(l->options);
      for (const auto& f : l->flags)
        leaf("flag", f.name, f.range);
      close();
    } else if (auto* m = dyn_cast<MapExpr>(e)) {
      open("map", m->var, r);
      expr(m->list.get());
      block("body", m->body);
      close();
    } else if (auto* rd = dyn_cast<ReduceExpr>(e)) {
      open("reduce", rd->var + " with " + rd->acc, r);
      expr(rd->list.get());
      expr(rd->init.get());
      block("body", rd->body);
      close();
    }
  }
};

} // namespace

std::string printAst(const Module& module, const SourceManager& sources) {
  Printer p(sources);
  p.module(module);
  return p.out;
}

} // namespace awc::ast
