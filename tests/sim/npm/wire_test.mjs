// Wire compatibility: the official openai and @anthropic-ai/sdk clients call `awc sim`
// (streaming and non-streaming) and read back content, usage and errors.
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const base = process.argv[2];
assert.ok(base && base.startsWith("http://127.0.0.1:"), "usage: node wire_test.mjs http://127.0.0.1:PORT");
const longText = Array.from({ length: 300 }, (_, i) => `Policy clause ${i}: be accurate and brief.`).join(" ");
let checks = 0;
const ok = (label) => { checks++; console.log(`ok - ${label}`); };

// ---- OpenAI ----
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: "sk-sim", maxRetries: 0, timeout: 20000 });

const models = await openai.models.list();
assert.ok(models.data.some((m) => m.id === "small"));
ok("openai models.list");

const c1 = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "system", content: longText }, { role: "user", content: "What is the capital of France?" }],
  max_completion_tokens: 50,
  temperature: 0,
});
assert.equal(c1.object, "chat.completion");
assert.equal(c1.choices[0].message.content, "The capital of France is Paris.");
assert.ok(c1.usage.prompt_tokens > 1000, `prompt_tokens ${c1.usage.prompt_tokens}`);
assert.ok(c1.usage.completion_tokens > 0);
assert.equal(c1.usage.total_tokens, c1.usage.prompt_tokens + c1.usage.completion_tokens);
assert.equal(c1.usage.prompt_tokens_details.cached_tokens, 0);
ok("openai non-streaming: fixture content and usage");

const c2 = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "system", content: longText }, { role: "user", content: "Say hello" }],
  max_tokens: 50,
});
assert.equal(c2.choices[0].message.content, "Hello from the awc simulator!");
assert.ok(c2.usage.prompt_tokens_details.cached_tokens > 1000, `cached ${c2.usage.prompt_tokens_details.cached_tokens}`);
ok("openai prefix cache: cached_tokens read back");

const stream = await openai.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "system", content: longText }, { role: "user", content: "Say hello" }],
  max_tokens: 50,
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let streamUsage = null;
let chunks = 0;
for await (const chunk of stream) {
  assert.equal(chunk.object, "chat.completion.chunk");
  chunks++;
  if (chunk.choices.length && chunk.choices[0].delta.content) streamed += chunk.choices[0].delta.content;
  if (chunk.usage) streamUsage = chunk.usage;
}
assert.equal(streamed, "Hello from the awc simulator!");
assert.ok(chunks > 3);
assert.ok(streamUsage, "usage chunk missing");
assert.equal(streamUsage.completion_tokens, c2.usage.completion_tokens);
assert.ok(streamUsage.prompt_tokens_details.cached_tokens > 1000);
ok("openai streaming: chunks, [DONE], include_usage");

const structured = await openai.chat.completions.create({
  model: "llama-3.1-70b",
  messages: [{ role: "user", content: "Classify this ticket" }],
  response_format: {
    type: "json_schema",
    json_schema: {
      name: "ticket",
      strict: true,
      schema: {
        type: "object",
        properties: {
          category: { type: "string", enum: ["billing", "bug", "other"] },
          priority: { type: "integer", minimum: 1, maximum: 5 },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["category", "priority", "tags"],
        additionalProperties: false,
      },
    },
  },
});
const parsed = JSON.parse(structured.choices[0].message.content);
assert.ok(["billing", "bug", "other"].includes(parsed.category));
assert.ok(Number.isInteger(parsed.priority) && parsed.priority >= 1 && parsed.priority <= 5);
assert.ok(Array.isArray(parsed.tags));
ok("openai json_schema response_format");

await assert.rejects(
  openai.chat.completions.create({ model: "gpt-4o-mini", messages: [] }),
  (err) => err instanceof OpenAI.BadRequestError && err.status === 400 && err.error?.type === "invalid_request_error",
);
ok("openai error shape -> BadRequestError");

// ---- Anthropic ----
const anthropic = new Anthropic({ baseURL: base, apiKey: "sk-ant-sim", maxRetries: 0, timeout: 20000 });
const request = {
  model: "claude-3-5-haiku-latest",
  max_tokens: 64,
  system: [{ type: "text", text: longText, cache_control: { type: "ephemeral" } }],
  messages: [{ role: "user", content: "What is the capital of France?" }],
};
const m1 = await anthropic.messages.create(request);
assert.equal(m1.type, "message");
assert.equal(m1.content[0].text, "The capital of France is Paris.");
assert.ok(m1.usage.cache_creation_input_tokens > 1000, `creation ${m1.usage.cache_creation_input_tokens}`);
assert.equal(m1.usage.cache_read_input_tokens, 0);
assert.ok(m1.usage.input_tokens > 0 && m1.usage.output_tokens > 0);
ok("anthropic non-streaming: content, usage, cache creation");

const m2 = await anthropic.messages.create({ ...request, messages: [{ role: "user", content: "Say hello" }] });
assert.equal(m2.usage.cache_read_input_tokens, m1.usage.cache_creation_input_tokens);
assert.equal(m2.usage.cache_creation_input_tokens, 0);
ok("anthropic cache_control: cache_read_input_tokens read back");

const s = anthropic.messages.stream({ ...request, messages: [{ role: "user", content: "Say hello" }] });
let text = "";
s.on("text", (t) => { text += t; });
const final = await s.finalMessage();
assert.equal(text, "Hello from the awc simulator!");
assert.equal(final.content[0].text, text);
assert.equal(final.usage.output_tokens, m2.usage.output_tokens);
assert.equal(final.usage.cache_read_input_tokens, m1.usage.cache_creation_input_tokens);
ok("anthropic streaming: text events and final usage");

const raw = await anthropic.messages.create({ ...request, stream: true, messages: [{ role: "user", content: "Say hello" }] });
const types = [];
for await (const ev of raw) types.push(ev.type);
assert.equal(types[0], "message_start");
assert.equal(types[types.length - 1], "message_stop");
ok("anthropic raw stream events");

await assert.rejects(
  anthropic.messages.create({ model: "claude-3-5-haiku-latest", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof Anthropic.BadRequestError && err.status === 400 && err.error?.error?.type === "invalid_request_error",
);
ok("anthropic error shape -> BadRequestError");

console.log(`wire test passed: ${checks} checks`);
