// The fuse pass's reading of `--profile`: a group of steps `awc tune` measured in one fused call
// and refused (its answers disagreed with the separate calls', or it was slower or costlier)
// is never put in one call again; an accepted group is fused or not as the cost gate decides.
#include "fuse_internal.h"
#include "profile_apply.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace awc::passes::fusion {

void ProfileFusions::load(const PassContext& ctx) {
  loaded_ = true;
  for (ProfileFusion& f : profileFusions(ctx)) {
    Group g{f.steps, f.steps, f.candidate};
    std::sort(g.sorted.begin(), g.sorted.end());
    (f.refused ? refused_ : accepted_).push_back(std::move(g));
  }
}

bool ProfileFusions::refuses(const PassContext& ctx, const std::vector<Task>& a,
                             const std::vector<Task>& b, PassReport& report) {
  if (!ctx.profile) return false;
  if (!loaded_) load(ctx);
  for (const Group& g : refused_) {
    size_t members = 0;
    for (const std::vector<Task>* ts : {&a, &b})
      for (const Task& t : *ts)
        members += std::binary_search(g.sorted.begin(), g.sorted.end(), t.name);
    if (members < 2) continue;
    // Recorded once per group (the pass may try several pairs of it, in several rounds).
    const profile::Candidate& c = *g.candidate;
    bool recorded =
        std::any_of(report.changes.begin(), report.changes.end(), [&](const Change& ch) {
          return ch.detail.contains("profile") &&
                 ch.detail["profile"].value("kind", "") == "fused" &&
                 ch.detail["profile"].value("value", "") == c.value;
        });
    if (!recorded) {
      std::string why = profileFusionRefusal(ctx, c);
      report.changes.push_back(
          {g.steps.front(),
           fmt::format("kept separate: {} ({})", fmt::join(g.steps, ", "), why),
           {{"kind", "kept_separate"},
            {"steps", g.steps},
            {"profile", profileNotApplied(c, why)}}});
    }
    return true;
  }
  return false;
}

void ProfileFusions::annotate(const PassContext& ctx, const std::vector<Task>& tasks,
                              Change& change) {
  if (!ctx.profile) return;
  if (!loaded_) load(ctx);
  std::vector<std::string> names;
  for (const Task& t : tasks)
    names.push_back(t.name);
  std::sort(names.begin(), names.end());
  for (const Group& g : accepted_)
    if (g.sorted == names) {
      change.message += " (" + profileEvidence(*g.candidate) + ")";
      change.detail["profile"] = profileDetail(*g.candidate);
      return;
    }
}

} // namespace awc::passes::fusion
