// FunctionRef: a non-owning reference to a callable (what llvm::function_ref is), so headers
// that the runtime shares with the compiler (the stdlib evaluator) need no LLVM.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace awc {

template <typename Fn> class FunctionRef;

/// Refers to a function or to a callable object that outlives the reference; cheap to copy,
/// never owns what it calls.
template <typename Ret, typename... Params> class FunctionRef<Ret(Params...)> {
public:
  /// Refers to a plain function.
  FunctionRef(Ret (*fn)(Params...)) noexcept : fn_(fn), callback_(&callFunction) {}

  /// Refers to a callable object (a lambda); it must outlive this reference.
  template <typename Callable, typename = std::enable_if_t<
                                   !std::is_same_v<std::remove_cvref_t<Callable>, FunctionRef> &&
                                   !std::is_function_v<std::remove_reference_t<Callable>> &&
                                   std::is_invocable_r_v<Ret, Callable&, Params...>>>
  FunctionRef(Callable&& callable) noexcept
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
        callback_(&callObject<std::remove_reference_t<Callable>>) {}

  /// Calls the referenced function or object.
  Ret operator()(Params... params) const {
    return callback_(*this, std::forward<Params>(params)...);
  }

private:
  static Ret callFunction(const FunctionRef& self, Params... params) {
    return self.fn_(std::forward<Params>(params)...);
  }
  template <typename Callable> static Ret callObject(const FunctionRef& self, Params... params) {
    return (*static_cast<Callable*>(self.object_))(std::forward<Params>(params)...);
  }

  union {
    void* object_;
    Ret (*fn_)(Params...);
  };
  Ret (*callback_)(const FunctionRef&, Params...);
};

} // namespace awc
