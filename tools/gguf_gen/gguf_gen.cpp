// gguf_gen: writes a deterministic random-weight llama-architecture GGUF model for tests and
// benchmarks.
//
// The weights are random, but the model is shaped so that greedy decoding gives short, well-formed
// answers: every token embedding has a constant component in dimension 0, and a few "chain" tokens
// (common English words) each own one extra dimension. The output matrix maps dimension 0 to the
// first chain word, "\"", "}"/"]", "," and end-of-generation (in that order of preference) and
// chain word i to chain word i+1, the last to end-of-generation or a closing quote. So free text is
// a sentence of --chain words and JSON-schema constrained answers (llama-server's grammar) close
// every string after that sentence, take one list item, and end. The random part of the weights
// is small; prefill and decode still do the full amount of arithmetic for the model's shape.
//
// Built by scripts/llama/build_tools.sh against the fetched llama.cpp source (not part of the main
// CMake build). The tokenizer.* keys are copied from a vocabulary-only GGUF of that source.
#include "ggml.h"
#include "gguf.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr const char* kGeneratorVersion = "gguf_gen 2";

struct Options {
  std::string vocab;
  std::string out;
  int embd = 64;
  int layers = 2;
  int heads = 4;
  int headsKv = 0;
  int ff = 0;
  int ctx = 8192;
  int chain = 12;
  uint64_t seed = 1;
  bool dump = false;
};

/// splitmix64: tiny, fast and fully deterministic on every platform.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [-a, a].
  float uniform(float a) { return a * (float(next() >> 40) / float(1 << 24) * 2.0f - 1.0f); }
};

int usage() {
  std::fprintf(
      stderr,
      "usage: gguf_gen --vocab VOCAB.gguf --out MODEL.gguf [--embd N] [--layers N] [--heads N]\n"
      "                [--heads-kv N] [--ff N] [--ctx N] [--chain N] [--seed N]\n"
      "       gguf_gen --dump FILE.gguf\n");
  return 2;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--dump") {
      o.dump = true;
      if (!(v = value())) return false;
      o.vocab = v;
    } else if (a == "--vocab" || a == "--out" || a == "--embd" || a == "--layers" ||
               a == "--heads" || a == "--heads-kv" || a == "--ff" || a == "--ctx" ||
               a == "--chain" || a == "--seed") {
      if (!(v = value())) return false;
      if (a == "--vocab")
        o.vocab = v;
      else if (a == "--out")
        o.out = v;
      else if (a == "--embd")
        o.embd = std::atoi(v);
      else if (a == "--layers")
        o.layers = std::atoi(v);
      else if (a == "--heads")
        o.heads = std::atoi(v);
      else if (a == "--heads-kv")
        o.headsKv = std::atoi(v);
      else if (a == "--ff")
        o.ff = std::atoi(v);
      else if (a == "--ctx")
        o.ctx = std::atoi(v);
      else if (a == "--chain")
        o.chain = std::atoi(v);
      else if (a == "--seed")
        o.seed = std::strtoull(v, nullptr, 10);
    } else {
      return false;
    }
  }
  if (o.dump) return !o.vocab.empty();
  if (o.headsKv == 0) o.headsKv = o.heads;
  if (o.ff == 0) o.ff = o.embd * 3;
  return !o.vocab.empty() && !o.out.empty() && o.embd > 0 && o.layers > 0 && o.heads > 0 &&
         o.embd % o.heads == 0 && o.heads % o.headsKv == 0 && o.chain >= 1 && o.chain + 1 < o.embd;
}

int dump(const std::string& path) {
  gguf_init_params params{true, nullptr};
  gguf_context* ctx = gguf_init_from_file(path.c_str(), params);
  if (!ctx) {
    std::fprintf(stderr, "gguf_gen: cannot read %s\n", path.c_str());
    return 1;
  }
  for (int64_t i = 0; i < gguf_get_n_kv(ctx); ++i) {
    const char* key = gguf_get_key(ctx, i);
    gguf_type type = gguf_get_kv_type(ctx, i);
    std::printf("%s: %s", key, gguf_type_name(type));
    if (type == GGUF_TYPE_STRING)
      std::printf(" = %.60s", gguf_get_val_str(ctx, i));
    else if (type == GGUF_TYPE_ARRAY)
      std::printf(" [%zu]", gguf_get_arr_n(ctx, i));
    else if (type == GGUF_TYPE_UINT32)
      std::printf(" = %u", gguf_get_val_u32(ctx, i));
    std::printf("\n");
  }
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
    const int64_t* ne = gguf_get_tensor_ne(ctx, i);
    std::printf("tensor %s %s [%lld, %lld]\n", gguf_get_tensor_name(ctx, i),
                ggml_type_name(gguf_get_tensor_type(ctx, i)), (long long)ne[0], (long long)ne[1]);
  }
  gguf_free(ctx);
  return 0;
}

/// A tensor to write: its shape (ggml order: ne0 is the contiguous, input dimension) and a
/// function giving element (row, col), row < ne1, col < ne0.
struct TensorSpec {
  std::string name;
  ggml_type type;
  int64_t ne0, ne1;
  std::function<float(int64_t row, int64_t col)> value;
};

} // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return usage();
  if (o.dump) return dump(o.vocab);

  gguf_init_params vocabParams{true, nullptr};
  gguf_context* vocab = gguf_init_from_file(o.vocab.c_str(), vocabParams);
  if (!vocab) {
    std::fprintf(stderr, "gguf_gen: cannot read vocabulary %s\n", o.vocab.c_str());
    return 1;
  }
  const int64_t tokensKey = gguf_find_key(vocab, "tokenizer.ggml.tokens");
  if (tokensKey < 0) {
    std::fprintf(stderr, "gguf_gen: %s has no tokenizer.ggml.tokens\n", o.vocab.c_str());
    return 1;
  }
  const int64_t nVocab = (int64_t)gguf_get_arr_n(vocab, tokensKey);
  std::map<std::string, int64_t> tokenId;
  for (int64_t t = 0; t < nVocab; ++t)
    tokenId.emplace(gguf_get_arr_str(vocab, tokensKey, t), t);
  auto u32Key = [&](const char* key) -> int64_t {
    int64_t k = gguf_find_key(vocab, key);
    return k < 0 ? -1 : (int64_t)gguf_get_val_u32(vocab, k);
  };

  // Special tokens of the answer "grammar" (see the header comment).
  std::vector<int64_t> eog;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"})
    if (int64_t id = u32Key(key); id >= 0) eog.push_back(id);
  for (const char* text : {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>"})
    if (auto it = tokenId.find(text); it != tokenId.end()) eog.push_back(it->second);
  auto idOf = [&](const char* text) -> int64_t {
    auto it = tokenId.find(text);
    return it == tokenId.end() ? -1 : it->second;
  };
  const int64_t quote = idOf("\"");
  std::vector<int64_t> closers;
  for (const char* text : {"}", "]"})
    if (int64_t id = idOf(text); id >= 0) closers.push_back(id);
  // Chain words; byte-level BPE vocabularies spell a leading space as "Ġ", SentencePiece as "▁".
  static const char* kWords[] = {"the",  "order",  "is",       "on",    "its",   "way",   "and",
                                 "will", "arrive", "within",   "three", "days",  "thank", "you",
                                 "for",  "your",   "patience", "with",  "our",   "team",  "we",
                                 "are",  "here",   "to",       "help",  "every", "step",  "of",
                                 "this", "simple", "plan",     "today"};
  std::vector<int64_t> chain;
  for (const char* word : kWords) {
    if ((int)chain.size() == o.chain) break;
    for (const char* space : {"\xC4\xA0", "\xE2\x96\x81"}) {
      if (int64_t id = idOf((std::string(space) + word).c_str()); id >= 0) {
        chain.push_back(id);
        break;
      }
    }
  }
  if ((int)chain.size() < o.chain || eog.empty() || quote < 0) {
    std::fprintf(stderr,
                 "gguf_gen: vocabulary lacks the tokens the answer shape needs (%zu chain words)\n",
                 chain.size());
    return 1;
  }

  // Output-matrix weights on the structured dimensions: dim 0 is on for every token, dim 1 + i for
  // chain word i. Values well apart so the random part never reorders them.
  std::vector<std::map<int64_t, float>> boost(nVocab);
  boost[chain[0]][0] = 4.0f;
  boost[quote][0] = 3.0f;
  for (int64_t id : closers)
    boost[id][0] = 2.0f;
  // "," ends a number in the middle of an object (closers are not allowed there yet).
  if (int64_t comma = idOf(","); comma >= 0) boost[comma][0] = 1.5f;
  for (int64_t id : eog)
    boost[id][0] = 1.0f;
  for (size_t i = 0; i + 1 < chain.size(); ++i)
    boost[chain[i + 1]][1 + (int64_t)i] = 12.0f;
  // At the chain's end dimension 0 still adds its own preferences (quote 3, end 1), so the
  // end-of-generation boost must exceed the quote's by more than that difference.
  for (int64_t id : eog)
    boost[id][(int64_t)chain.size()] = 20.0f;
  boost[quote][(int64_t)chain.size()] = 16.0f;
  std::vector<int> chainIndex(nVocab, -1);
  for (size_t i = 0; i < chain.size(); ++i)
    chainIndex[chain[i]] = (int)i;

  gguf_context* out = gguf_init_empty();
  gguf_set_kv(out, vocab);
  for (int64_t i = gguf_get_n_kv(out) - 1; i >= 0; --i) {
    std::string key = gguf_get_key(out, i);
    if (key.rfind("tokenizer.", 0) != 0) gguf_remove_key(out, key.c_str());
  }
  const int headDim = o.embd / o.heads;
  gguf_set_val_str(out, "general.architecture", "llama");
  gguf_set_val_str(out, "general.name", "awc-random");
  gguf_set_val_str(out, "general.description", kGeneratorVersion);
  gguf_set_val_u32(out, "general.file_type", 1); // mostly F16
  gguf_set_val_u32(out, "llama.context_length", (uint32_t)o.ctx);
  gguf_set_val_u32(out, "llama.embedding_length", (uint32_t)o.embd);
  gguf_set_val_u32(out, "llama.block_count", (uint32_t)o.layers);
  gguf_set_val_u32(out, "llama.feed_forward_length", (uint32_t)o.ff);
  gguf_set_val_u32(out, "llama.attention.head_count", (uint32_t)o.heads);
  gguf_set_val_u32(out, "llama.attention.head_count_kv", (uint32_t)o.headsKv);
  gguf_set_val_u32(out, "llama.rope.dimension_count", (uint32_t)headDim);
  gguf_set_val_f32(out, "llama.rope.freq_base", 10000.0f);
  gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(out, "llama.vocab_size", (uint32_t)nVocab);
  if (gguf_find_key(out, "tokenizer.chat_template") < 0)
    gguf_set_val_str(out, "tokenizer.chat_template",
                     "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
                     "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
                     "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}");

  // Each tensor's random values come from its own stream, so the file depends only on the options.
  auto randomOf = [&](uint64_t tensorIndex, float scale) {
    return [=](int64_t row, int64_t col) {
      Rng rng{o.seed * 0x100000001b3ULL ^ (tensorIndex << 40) ^ ((uint64_t)row << 20) ^
              (uint64_t)col};
      return rng.uniform(scale);
    };
  };
  const int64_t nEmbd = o.embd, nQ = (int64_t)headDim * o.heads, nKv = (int64_t)headDim * o.headsKv;
  std::vector<TensorSpec> specs;
  uint64_t streams = 0;
  auto embdRandom = randomOf(++streams, 0.01f);
  specs.push_back(
      {"token_embd.weight", GGML_TYPE_F16, nEmbd, nVocab, [&, embdRandom](int64_t t, int64_t d) {
         if (d == 0) return 1.0f;
         if (chainIndex[t] >= 0 && d == 1 + chainIndex[t]) return 1.0f;
         return embdRandom(t, d);
       }});
  auto one = [](int64_t, int64_t) { return 1.0f; };
  specs.push_back({"output_norm.weight", GGML_TYPE_F32, nEmbd, 1, one});
  auto outRandom = randomOf(++streams, 0.02f);
  specs.push_back(
      {"output.weight", GGML_TYPE_F16, nEmbd, nVocab, [&, outRandom](int64_t t, int64_t d) {
         auto it = boost[t].find(d);
         if (it != boost[t].end()) return it->second;
         return d <= (int64_t)chain.size() ? 0.0f : outRandom(t, d);
       }});
  // Layer weights shrink with the width: a block's contribution to the residual stream grows
  // about as embd × scale², and it must stay small beside the structured dimensions.
  const float layerScale = 0.02f * std::min(1.0f, 64.0f / float(o.embd));
  for (int l = 0; l < o.layers; ++l) {
    auto name = [&](const char* part) { return "blk." + std::to_string(l) + "." + part; };
    specs.push_back({name("attn_norm.weight"), GGML_TYPE_F32, nEmbd, 1, one});
    specs.push_back(
        {name("attn_q.weight"), GGML_TYPE_F16, nEmbd, nQ, randomOf(++streams, layerScale)});
    specs.push_back(
        {name("attn_k.weight"), GGML_TYPE_F16, nEmbd, nKv, randomOf(++streams, layerScale)});
    specs.push_back(
        {name("attn_v.weight"), GGML_TYPE_F16, nEmbd, nKv, randomOf(++streams, layerScale)});
    specs.push_back(
        {name("attn_output.weight"), GGML_TYPE_F16, nQ, nEmbd, randomOf(++streams, layerScale)});
    specs.push_back({name("ffn_norm.weight"), GGML_TYPE_F32, nEmbd, 1, one});
    specs.push_back(
        {name("ffn_gate.weight"), GGML_TYPE_F16, nEmbd, o.ff, randomOf(++streams, layerScale)});
    specs.push_back(
        {name("ffn_down.weight"), GGML_TYPE_F16, o.ff, nEmbd, randomOf(++streams, layerScale)});
    specs.push_back(
        {name("ffn_up.weight"), GGML_TYPE_F16, nEmbd, o.ff, randomOf(++streams, layerScale)});
  }

  // Tensor descriptions go into the header through ggml tensors that own no data; the data is
  // streamed row by row after the header, so memory stays small even for large models.
  ggml_init_params ctxParams{ggml_tensor_overhead() * (specs.size() + 1), nullptr, true};
  ggml_context* meta = ggml_init(ctxParams);
  for (const auto& spec : specs) {
    ggml_tensor* t = spec.ne1 == 1 ? ggml_new_tensor_1d(meta, spec.type, spec.ne0)
                                   : ggml_new_tensor_2d(meta, spec.type, spec.ne0, spec.ne1);
    ggml_set_name(t, spec.name.c_str());
    gguf_add_tensor(out, t);
  }

  const std::string tmp = o.out + ".tmp";
  FILE* file = std::fopen(tmp.c_str(), "wb");
  if (!file) {
    std::fprintf(stderr, "gguf_gen: cannot write %s\n", tmp.c_str());
    return 1;
  }
  bool ok = gguf_write_to_file_ptr(out, file, /*only_meta=*/true);
  const size_t alignment = gguf_get_alignment(out);
  size_t written = 0;
  std::vector<float> rowF32;
  std::vector<ggml_fp16_t> rowF16;
  for (const auto& spec : specs) {
    rowF32.resize(spec.ne0);
    rowF16.resize(spec.ne0);
    for (int64_t r = 0; r < spec.ne1 && ok; ++r) {
      for (int64_t c = 0; c < spec.ne0; ++c)
        rowF32[c] = spec.value(r, c);
      if (spec.type == GGML_TYPE_F16) {
        ggml_fp32_to_fp16_row(rowF32.data(), rowF16.data(), spec.ne0);
        ok = std::fwrite(rowF16.data(), sizeof(ggml_fp16_t), spec.ne0, file) == (size_t)spec.ne0;
        written += sizeof(ggml_fp16_t) * spec.ne0;
      } else {
        ok = std::fwrite(rowF32.data(), sizeof(float), spec.ne0, file) == (size_t)spec.ne0;
        written += sizeof(float) * spec.ne0;
      }
    }
    static const char zeros[64] = {};
    size_t pad = (alignment - written % alignment) % alignment;
    ok = ok && std::fwrite(zeros, 1, pad, file) == pad;
    written += pad;
  }
  ok = std::fclose(file) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), o.out.c_str()) != 0) {
    std::fprintf(stderr, "gguf_gen: writing %s failed\n", o.out.c_str());
    std::remove(tmp.c_str());
    return 1;
  }
  std::printf("%s: %lld vocab, %d dims, %d layers, %d heads, ff %d, %.1f MB\n", o.out.c_str(),
              (long long)nVocab, o.embd, o.layers, o.heads, o.ff, double(written) / 1e6);
  ggml_free(meta);
  gguf_free(out);
  gguf_free(vocab);
  return 0;
}
