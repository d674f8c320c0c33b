// The simulator's protocol-neutral core: routing, admission and timing under the engine's load,
// the prefix/slot/breakpoint caches, fault draws, answer choice and usage accounting, and the
// timed pieces of whole and streamed answers. The wire formats are openai.cpp and anthropic.cpp.
#include "engine.h"

#include "awc/sim/judge.h"
#include "awc/support/tokenizer.h"
#include "awc/support/utf8.h"
#include "fused_questions.h"

#include <algorithm>
#include <chrono>
#include <xxhash.h>

namespace awc::sim {
namespace {

using nlohmann::json;

uint64_t hashOf(std::string_view s, uint64_t seed = 0) {
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

long long unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ResponsePlan errorPlan(const Protocol& protocol, int status, const std::string& message,
                       bool keepAlive, const std::string& param = "", int retryAfter = -1) {
  ResponsePlan plan;
  std::vector<std::pair<std::string, std::string>> extra;
  if (retryAfter >= 0) {
    extra.emplace_back("Retry-After", std::to_string(retryAfter));
    extra.emplace_back("retry-after-ms", std::to_string(retryAfter * 1000));
  }
  plan.pieces.push_back(
      Piece{0, http::response(status, "application/json",
                              protocol.errorBody(status, message, param), keepAlive, extra)});
  plan.entry.status = status;
  plan.entry.api = protocol.name();
  return plan;
}

// The HTTP status of a fault that answers with an error, or 0.
int faultStatus(FaultKind fault) {
  switch (fault) {
  case FaultKind::RateLimit:
    return 429;
  case FaultKind::ServerError:
    return 500;
  case FaultKind::Unavailable:
    return 503;
  default:
    return 0;
  }
}

} // namespace

Engine::Engine(const ServerConfig& config)
    : config_(config), cache_(config.cacheBlockTokens, config.cacheTokens),
      started_(std::chrono::steady_clock::now()) {
  for (const auto& p : config.profiles) {
    profiles_[p.name] = p;
    // An engine's kind of prompt reuse is the first declaring profile's.
    if (p.cacheSlots > 0)
      slotCaches_.try_emplace(p.engineName(), p.cacheSlots, config.cacheBlockTokens,
                              config.cacheTokens);
  }
}

double Engine::clockMs() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
      .count();
}

const ModelProfile& Engine::profileFor(const std::string& model) {
  auto it = profiles_.find(model);
  if (it != profiles_.end()) return it->second;
  // Unknown names get the size-class heuristic, remembered so the map stays the one source.
  if (profiles_.size() > 10000) profiles_.clear();
  return profiles_.emplace(model, profileForModelName(model)).first->second;
}

Engine::Timing Engine::admit(ResponsePlan& plan, size_t promptTokens, size_t cachedTokens,
                             bool structured) {
  const ModelProfile& profile = profileFor(plan.entry.model);
  size_t n = ++inFlight_[profile.engineName()];
  plan.inFlight = true;
  plan.engine = profile.engineName();
  plan.entry.inFlight = n;
  double speed = config_.speed > 0 ? config_.speed : 1.0;
  plan.stretchFromMs = profile.ttftBaseMs / speed;
  plan.concurrencySlowdown = profile.concurrencySlowdown;
  size_t uncached = promptTokens - cachedTokens;
  return Timing{estimateTtftMs(profile, uncached, 1, cachedTokens, structured) / speed,
                estimateDecodeMsPerToken(profile, 1, promptTokens, structured) / speed,
                estimateTtftMs(profile, uncached, n, cachedTokens, structured) / speed};
}

void Engine::finished(const ResponsePlan& plan) {
  if (!plan.inFlight) return;
  if (plan.slot) slotCaches_.at(plan.engine).release(*plan.slot, clockMs());
  auto it = inFlight_.find(plan.engine);
  if (it != inFlight_.end() && it->second > 0 && --it->second == 0) inFlight_.erase(it);
}

const RecordedAnswer* Engine::nextRecorded(const json& body) {
  if (config_.replay.empty()) return nullptr;
  const std::vector<RecordedAnswer>* answers = config_.replay.find(body);
  if (!answers) return nullptr;
  size_t& next = replayed_[answers];
  const RecordedAnswer& answer = (*answers)[std::min(next, answers->size() - 1)];
  ++next;
  return &answer;
}

size_t Engine::inFlight(const std::string& engine) const {
  auto it = inFlight_.find(engine);
  return it == inFlight_.end() ? 0 : it->second;
}

ResponsePlan Engine::protocolError(int status, const std::string& message) {
  return errorPlan(openaiProtocol(), status, message, false);
}

ResponsePlan Engine::handle(const http::Request& req, bool keepAlive) {
  const std::string& path = req.target;
  bool anth = path == "/v1/messages";
  if (path == "/v1/chat/completions" || anth) {
    const Protocol& protocol = anth ? anthropicProtocol() : openaiProtocol();
    if (req.method != "POST")
      return errorPlan(protocol, 405, "Method not allowed; use POST.", keepAlive);
    return serve(protocol, req, keepAlive);
  }
  if (path == "/health" || path == "/v1/models") {
    if (req.method != "GET" && req.method != "HEAD")
      return errorPlan(openaiProtocol(), 405, "Method not allowed; use GET.", keepAlive);
    if (path == "/v1/models") return models(keepAlive);
    ResponsePlan plan;
    plan.pieces.push_back(
        Piece{0, http::response(200, "application/json", R"({"status":"ok"})", keepAlive)});
    plan.entry.api = "health";
    return plan;
  }
  return errorPlan(path.rfind("/v1/messages", 0) == 0 ? anthropicProtocol() : openaiProtocol(), 404,
                   "Unknown path '" + path + "'.", keepAlive);
}

ResponsePlan Engine::models(bool keepAlive) {
  json data = json::array();
  std::vector<std::string> names;
  for (const auto& p : config_.profiles)
    names.push_back(p.name);
  for (const char* c : {"small", "medium", "large"})
    if (std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
  for (const auto& n : names)
    data.push_back({{"id", n}, {"object", "model"}, {"created", 0}, {"owned_by", "awc-sim"}});
  ResponsePlan plan;
  plan.pieces.push_back(
      Piece{0, http::response(200, "application/json",
                              json{{"object", "list"}, {"data", data}}.dump(), keepAlive)});
  plan.entry.api = "models";
  return plan;
}

FaultKind Engine::drawFault(uint64_t requestHash) {
  FaultKind fault =
      chooseFault(config_.faults, config_.seed, requestHash, attempts_[requestHash]++);
  if (attempts_.size() > 1000000) attempts_.clear();
  return fault;
}

ResponsePlan Engine::serve(const Protocol& protocol, const http::Request& req, bool keepAlive) {
  ChatRequest chat;
  if (auto error = protocol.parse(req.body, chat))
    return errorPlan(protocol, error->status, error->message, keepAlive, error->param);
  const json* schema = chat.schema ? &*chat.schema : nullptr;
  std::vector<TokenSpan> tokens = tokenSpans(chat.prompt);
  size_t promptTokens = tokens.size();
  std::string key = chat.model + '\0' + chat.prompt + '\0' + (schema ? schema->dump() : "") + '\0' +
                    std::to_string(chat.maxTokens);
  uint64_t requestHash = hashOf(key, config_.seed);
  FaultKind fault = drawFault(requestHash);
  auto tag = [&](ResponsePlan& p) {
    p.entry.api = protocol.name();
    p.entry.model = chat.model;
    p.entry.stream = chat.stream;
    p.entry.promptTokens = promptTokens;
    p.entry.fault = faultName(fault);
  };
  if (int status = faultStatus(fault)) {
    ResponsePlan p = errorPlan(protocol, status, protocol.faultMessage(status), keepAlive, "",
                               status == 429 ? config_.faults.retryAfterSec : -1);
    tag(p);
    return p;
  }

  double nowMs = clockMs();
  CacheUse use = chat.explicitCache ? lookupBreakpoints(chat, tokens, nowMs)
                                    : lookupBlocks(chat, tokens, nowMs);
  bool violate = fault == FaultKind::SchemaViolation && schema;
  if (fault == FaultKind::SchemaViolation && !schema) fault = FaultKind::None;
  bool recorded = false;
  Answer answer = chooseAnswer(chat, requestHash, violate, recorded);

  ResponsePlan plan;
  tag(plan);
  Timing t = admit(plan, promptTokens, use.read, chat.constrained);
  plan.slot = use.slot;
  storePrompt(chat, tokens, use, nowMs + t.readyMs);

  Completion c{requestHash,
               chat.model,
               std::move(answer.text),
               answer.tokens,
               protocol.finishReason(answer.truncated),
               promptTokens,
               use.read,
               use.write,
               unixNow(),
               chat.streamUsage};
  plan.entry.cachedTokens = c.cachedTokens;
  plan.entry.cacheCreationTokens = c.cacheWriteTokens;
  plan.entry.outputTokens = c.outputTokens;
  plan.entry.finishReason = c.finishReason;
  if (fault == FaultKind::Hang) {
    plan.hang = true;
    plan.hangMs = config_.faults.hangMs;
  } else if (!chat.stream) {
    renderWhole(plan, protocol, c, fault, t.lastTokenMs(c.outputTokens), keepAlive);
  } else {
    // A replayed answer's token count is the recording server's, not this tokenizer's: its
    // pieces are spread over the time that count takes. A generated answer has one per token.
    size_t pieces = recorded ? approxTokenCount(c.text) : c.outputTokens;
    renderStream(plan, protocol, c, fault, t, pieces, keepAlive);
  }
  return plan;
}

Engine::CacheUse Engine::lookupBlocks(const ChatRequest& chat, const std::vector<TokenSpan>& tokens,
                                      double nowMs) {
  CacheUse use;
  if (config_.cacheTokens == 0) return use;
  const std::string engineName = profileFor(chat.model).engineName();
  use.blocks = blockHashes(chat.prompt, tokens, cache_.blockTokens(), hashOf(engineName, 0x5eed));
  if (auto it = slotCaches_.find(engineName); it != slotCaches_.end()) {
    use.slots = &it->second;
    SlotAdmission admission = use.slots->acquire(use.blocks, nowMs);
    use.slot = admission.slot;
    use.read = admission.cachedTokens;
  } else {
    use.read = cache_.lookup(use.blocks, nowMs);
  }
  // Both vLLM and llama-server recompute the last prompt token for its logits, so a full hit
  // gives one block back.
  if (use.read >= tokens.size() && use.read > 0) use.read -= cache_.blockTokens();
  return use;
}

Engine::CacheUse Engine::lookupBreakpoints(const ChatRequest& chat,
                                           const std::vector<TokenSpan>& tokens, double nowMs) {
  CacheUse use;
  // Breakpoints as token counts: every token that ends by the breakpoint's byte.
  for (size_t byte : chat.breakpointBytes) {
    auto it = std::upper_bound(tokens.begin(), tokens.end(), byte,
                               [](size_t b, const TokenSpan& s) { return b < s.end; });
    use.breakpoints.push_back(static_cast<size_t>(it - tokens.begin()));
  }
  std::sort(use.breakpoints.begin(), use.breakpoints.end());
  use.seed = hashOf(profileFor(chat.model).engineName(), 0xa17);
  if (config_.cacheTokens == 0 || use.breakpoints.empty()) return use;
  const size_t minTokens = config_.anthropicMinCacheTokens;
  // The longest cached breakpoint prefix is read; the rest up to the last breakpoint written.
  for (auto it = use.breakpoints.rbegin(); it != use.breakpoints.rend(); ++it) {
    if (*it < minTokens) break;
    if (cache_.touchEntry(prefixHash(chat.prompt, tokens, *it, use.seed), nowMs)) {
      use.read = *it;
      break;
    }
  }
  size_t last = use.breakpoints.back();
  if (last >= minTokens && last > use.read) use.write = last - use.read;
  return use;
}

void Engine::storePrompt(const ChatRequest& chat, const std::vector<TokenSpan>& tokens,
                         const CacheUse& use, double readyMs) {
  // In a shared cache the prompt's blocks are reusable once its prefill is done; in a slot, once
  // the request has finished.
  if (!use.blocks.empty() && !use.slots) cache_.insertBlocks(use.blocks, readyMs);
  if (use.write == 0) return;
  for (size_t bp : use.breakpoints)
    if (bp >= config_.anthropicMinCacheTokens && bp > use.read)
      cache_.insertEntry(prefixHash(chat.prompt, tokens, bp, use.seed), bp, readyMs);
}

Answer Engine::chooseAnswer(const ChatRequest& chat, uint64_t requestHash, bool violateSchema,
                            bool& recorded) {
  if (chat.replayable)
    if (const RecordedAnswer* r = nextRecorded(chat.body)) {
      recorded = true;
      return Answer{r->text, r->completionTokens, r->truncated};
    }
  const Fixture* fixture = findFixture(config_.fixtures, chat.lastUser, chat.model);
  // `awc tune`'s judge requests get a verdict (sim/judge.cpp); scripted answers still win.
  if (!fixture && !violateSchema)
    if (auto verdict =
            judgeAnswer(chat.lastUser, config_.quality, chat.prompt, chat.model, config_.seed))
      return *verdict;
  const json* schema = chat.schema ? &*chat.schema : nullptr;
  AnswerRequest req{requestHash,   schema,        chat.maxTokens, fixture,
                    violateSchema, chat.lastUser, chat.system,    {}};
  if (!config_.quality.enabled) return generateAnswer(req);
  // The reference answer is the request's without the model, and without max_tokens, which
  // only cuts it: so every model, at any limit, gives it unless drawn to disagree.
  std::string schemaText = schema ? schema->dump() : "";
  std::string key = chat.prompt + '\0' + schemaText;
  // A typed answer to one question is a function of the question (its words and the schema),
  // not of how the prompt was laid out, so the same question inside a fused call gets it too.
  bool question = schema && singleQuestion(chat.body);
  if (question) key = questionKey(chat.system, chat.lastUser, *schema);
  req.seed = referenceSeed(key, config_.seed);
  if (!fixture && !violateSchema &&
      drawsDisagreement(config_.quality, chat.prompt, chat.model, taskClassOf(schema),
                        config_.seed))
    req.disagreeSeed = disagreeingSeed(chat.model, key, config_.seed);
  nlohmann::json parts; // a fused call's typed parts: each member's own answer
  if (question && !fixture && !violateSchema && isFusedSchema(*schema)) {
    parts = fusedPartValues(chat.system, chat.lastUser, *schema, chat.model, config_.quality,
                            config_.seed);
    req.fusedValues = &parts;
  }
  return generateAnswer(req);
}

void Engine::renderWhole(ResponsePlan& plan, const Protocol& protocol, const Completion& c,
                         FaultKind fault, double lastAt, bool keepAlive) {
  std::string text = protocol.body(c);
  if (fault == FaultKind::Malformed) text = text.substr(0, text.size() / 2) + "<<simulated garbage";
  std::string full = http::response(200, "application/json", text, keepAlive);
  if (fault == FaultKind::Drop) {
    plan.pieces.push_back(Piece{lastAt, full.substr(0, full.size() - text.size() / 2), true});
    plan.closeAfter = true;
    return;
  }
  plan.pieces.push_back(Piece{lastAt, std::move(full), true});
}

void Engine::renderStream(ResponsePlan& plan, const Protocol& protocol, const Completion& c,
                          FaultKind fault, const Timing& t, size_t pieces, bool keepAlive) {
  plan.pieces.push_back(
      Piece{0, http::streamHead("text/event-stream", keepAlive) + protocol.streamStart(c)});
  const Protocol::DeltaTemplate delta = protocol.deltaTemplate(c);
  size_t tokens = c.outputTokens;
  double pieceMs =
      pieces != tokens && pieces > 1 && tokens > 1
          ? t.perTokenMs * static_cast<double>(tokens - 1) / static_cast<double>(pieces - 1)
          : t.perTokenMs;
  size_t i = 0, sent = 0;
  size_t dropAt = fault == FaultKind::Drop ? tokens / 2 : SIZE_MAX;
  bool dropped = false;
  forEachToken(c.text, [&](TokenSpan s) {
    if (dropped) return;
    if (i == dropAt) {
      dropped = true;
      return;
    }
    // A token may end inside a multi-byte character (non-ASCII runs are cut every 3 bytes):
    // the piece runs on to the character's end, so every event carries whole characters.
    size_t end = utf8CeilBoundary(c.text, std::max<size_t>(s.end, sent));
    std::string data = delta.before + toJsonText(c.text.substr(sent, end - sent)) + delta.after;
    sent = end;
    if (fault == FaultKind::Malformed && i == 0) data = data.substr(0, data.size() / 2);
    plan.pieces.push_back(
        Piece{t.ttftMs + static_cast<double>(i) * pieceMs, protocol.frameDelta(data), i == 0});
    ++i;
  });
  if (dropped || (fault == FaultKind::Drop && tokens == 0)) {
    plan.closeAfter = true;
    return;
  }
  std::string tail = protocol.streamEnd(c) + std::string(http::kLastChunk);
  plan.pieces.push_back(Piece{std::max(t.lastTokenMs(tokens), t.ttftMs), tail, tokens == 0});
}

} // namespace awc::sim
