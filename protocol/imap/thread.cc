// THREAD algorithms (RFC 5256 §3) and the THREAD response (§4).
#include "protocol/imap/thread.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace loft::proto::imap {
namespace {

// A container of the REFERENCES algorithm; msg < 0 is a dummy.
struct Container {
  int msg = -1;
  int parent = -1;
  std::vector<int> children;
};

class Threader {
 public:
  Threader(std::span<const SortFacts> msgs, bool uid) : msgs_(msgs), uid_(uid) {}

  // RFC 5256 §3 REFERENCES steps 1-4 (and 5 when merge_subjects), 6.
  std::vector<ThreadNode> references(bool merge_subjects, bool latest_first_roots);
  // RFC 5256 §3 ORDEREDSUBJECT.
  std::vector<ThreadNode> ordered_subject();

 private:
  int container_for(const std::string& id) {
    auto [it, added] = ids_.emplace(id, static_cast<int>(c_.size()));
    if (added) c_.emplace_back();
    return it->second;
  }
  int new_container() {
    c_.emplace_back();
    return static_cast<int>(c_.size() - 1);
  }
  // True if linking child under parent would close a loop (child is parent
  // or one of its ancestors), or would make the tree deeper than
  // kMaxThreadDepth: the tree walks below recurse, and a hostile References
  // chain must not exhaust a worker's stack.
  bool would_loop(int parent, int child) const {
    size_t depth = 0;
    for (int p = parent; p >= 0; p = c_[p].parent) {
      if (p == child || ++depth >= kMaxThreadDepth) return true;
    }
    return false;
  }
  void unlink(int child) {
    int p = c_[child].parent;
    if (p < 0) return;
    auto& kids = c_[p].children;
    kids.erase(std::find(kids.begin(), kids.end(), child));
    c_[child].parent = -1;
  }
  void link(int parent, int child) {
    c_[child].parent = parent;
    c_[parent].children.push_back(child);
  }
  void prune(std::vector<int>* list, bool root);
  void merge_subjects(std::vector<int>* roots);
  const SortFacts* subject_source(int c) const {
    if (c_[c].msg >= 0) return &msgs_[c_[c].msg];
    return c_[c].children.empty() ? nullptr : &msgs_[c_[c_[c].children.front()].msg];
  }
  // Sorts every sibling list by sent date (§3 step 6); returns c's sort date.
  std::pair<int64_t, uint32_t> sort_tree(int c);
  std::pair<int64_t, uint32_t> latest(int c) const;
  ThreadNode build(int c) const;
  uint32_t number(int msg) const { return uid_ ? msgs_[msg].uid : msgs_[msg].seq; }

  std::span<const SortFacts> msgs_;
  bool uid_;
  std::vector<Container> c_;
  std::unordered_map<std::string, int> ids_;
};

std::vector<ThreadNode> Threader::references(bool merge, bool latest_first_roots) {
  c_.reserve(msgs_.size() * 2);
  for (size_t i = 0; i < msgs_.size(); ++i) {
    const SortFacts& m = msgs_[i];
    // Step 1A: a missing or duplicate Message-ID gets a unique container.
    int self = m.message_id.empty() ? new_container() : container_for(m.message_id);
    if (c_[self].msg >= 0) self = new_container();
    c_[self].msg = static_cast<int>(i);
    // Step 1B: link the references in order; existing parents stay, no loops.
    int prev = -1;
    for (const std::string& ref : m.references) {
      int cur = container_for(ref);
      if (prev >= 0 && c_[cur].parent < 0 && !would_loop(prev, cur)) link(prev, cur);
      prev = cur;
    }
    // Step 1C: the last reference becomes the parent (replacing an older
    // one, which came from a truncated References field); none: no parent.
    if (prev >= 0 && (prev == self || would_loop(prev, self))) continue;
    unlink(self);
    if (prev >= 0) link(prev, self);
  }
  // Step 2: the root set; step 3: the id table is not needed any more.
  std::vector<int> roots;
  for (size_t i = 0; i < c_.size(); ++i) {
    if (c_[i].parent < 0) roots.push_back(static_cast<int>(i));
  }
  ids_.clear();
  prune(&roots, true);  // step 4
  if (merge) merge_subjects(&roots);  // step 5
  // Step 6: siblings by sent date, a dummy by its first child's.
  std::vector<std::pair<std::pair<int64_t, uint32_t>, int>> keyed;
  for (int r : roots) {
    auto key = sort_tree(r);
    keyed.push_back({latest_first_roots ? latest(r) : key, r});
  }
  std::stable_sort(keyed.begin(), keyed.end());
  std::vector<ThreadNode> out;
  for (auto& [key, r] : keyed) out.push_back(build(r));
  return out;
}

// Step 4: dummies without children go; a dummy's children move up to its
// level, except at the root where a dummy with several children stays.
void Threader::prune(std::vector<int>* list, bool root) {
  std::vector<int> out;
  for (int c : *list) {
    prune(&c_[c].children, false);
    if (c_[c].msg >= 0) {
      out.push_back(c);
      continue;
    }
    if (c_[c].children.empty()) continue;
    if (root && c_[c].children.size() > 1) {
      out.push_back(c);
      continue;
    }
    int parent = c_[c].parent;
    for (int k : c_[c].children) {
      c_[k].parent = parent;
      out.push_back(k);
    }
    c_[c].children.clear();
  }
  *list = std::move(out);
}

// Step 5: roots with the same base subject are gathered.
void Threader::merge_subjects(std::vector<int>* roots) {
  std::unordered_map<std::string, int> table;
  auto is_dummy = [this](int c) { return c_[c].msg < 0; };
  auto reply = [this](int c) { return c_[c].msg >= 0 && msgs_[c_[c].msg].reply; };
  for (int r : *roots) {  // 5B: one container per subject, dummies and non-replies preferred
    const SortFacts* s = subject_source(r);
    if (s == nullptr || s->subject.empty()) continue;
    auto [it, added] = table.emplace(s->subject, r);
    if (added) continue;
    int old = it->second;
    if (!is_dummy(old) && (is_dummy(r) || (reply(old) && !reply(r)))) it->second = r;
  }
  std::vector<int> candidates = *roots;
  for (int r : *roots) {  // 5C
    if (c_[r].parent >= 0) continue;  // already gathered under another root
    const SortFacts* s = subject_source(r);
    if (s == nullptr || s->subject.empty()) continue;
    int& slot = table.at(s->subject);
    if (slot == r) continue;
    int t = slot;
    if (is_dummy(t) && is_dummy(r)) {
      // Both dummies: r's children join t's.
      for (int k : c_[r].children) link(t, k);
      c_[r].children.clear();
    } else if (is_dummy(t)) {
      link(t, r);  // a real message joins the dummy's children (5B prefers dummies)
    } else if (!reply(t) && reply(r)) {
      link(t, r);
    } else {
      int d = new_container();
      link(d, t);
      link(d, r);
      slot = d;
      candidates.push_back(d);
    }
  }
  roots->clear();
  for (int c : candidates) {
    if (c_[c].parent < 0 && (c_[c].msg >= 0 || !c_[c].children.empty())) roots->push_back(c);
  }
}

std::pair<int64_t, uint32_t> Threader::sort_tree(int c) {
  std::vector<std::pair<std::pair<int64_t, uint32_t>, int>> keyed;
  for (int k : c_[c].children) keyed.push_back({sort_tree(k), k});
  std::stable_sort(keyed.begin(), keyed.end());
  for (size_t i = 0; i < keyed.size(); ++i) c_[c].children[i] = keyed[i].second;
  if (c_[c].msg >= 0) return {msgs_[c_[c].msg].sent, msgs_[c_[c].msg].seq};
  return keyed.empty() ? std::pair<int64_t, uint32_t>{0, 0} : keyed.front().first;
}

std::pair<int64_t, uint32_t> Threader::latest(int c) const {
  std::pair<int64_t, uint32_t> best{INT64_MIN, 0};
  if (c_[c].msg >= 0) best = {msgs_[c_[c].msg].sent, msgs_[c_[c].msg].seq};
  for (int k : c_[c].children) best = std::max(best, latest(k));
  return best;
}

ThreadNode Threader::build(int c) const {
  ThreadNode n;
  n.number = c_[c].msg >= 0 ? number(c_[c].msg) : 0;
  for (int k : c_[c].children) n.children.push_back(build(k));
  return n;
}

std::vector<ThreadNode> Threader::ordered_subject() {
  // Sorted by (base subject, sent date); each run of one subject is a
  // thread whose first message is the parent of all the others.
  std::vector<SortCriterion> by{{SortKey::subject, false}, {SortKey::date, false}};
  std::vector<size_t> order = sort_order(msgs_, by);
  std::vector<std::pair<std::pair<int64_t, uint32_t>, ThreadNode>> threads;
  for (size_t k = 0; k < order.size(); ++k) {
    const SortFacts& m = msgs_[order[k]];
    if (k > 0 && msgs_[order[k - 1]].subject == m.subject) {
      threads.back().second.children.push_back(ThreadNode{number(static_cast<int>(order[k])), {}});
    } else {
      threads.push_back({{m.sent, m.seq}, ThreadNode{number(static_cast<int>(order[k])), {}}});
    }
  }
  std::stable_sort(threads.begin(), threads.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ThreadNode> out;
  for (auto& t : threads) out.push_back(std::move(t.second));
  return out;
}

// thread-list body of n: its number, then one child inline or several as lists.
void append_members(std::string* out, const ThreadNode& n);

void append_list(std::string* out, const ThreadNode& n) {
  out->push_back('(');
  append_members(out, n);
  out->push_back(')');
}

void append_members(std::string* out, const ThreadNode& start) {
  const ThreadNode* n = &start;
  bool first = true;
  // A chain of single children is written flat ("(1 2 3)") without recursion.
  for (;;) {
    if (n->number != 0) {
      if (!first) out->push_back(' ');
      out->append(std::to_string(n->number));
      first = false;
    }
    if (n->children.size() == 1) {
      n = &n->children.front();
      continue;
    }
    if (!n->children.empty() && !first) out->push_back(' ');
    for (const ThreadNode& c : n->children) append_list(out, c);
    return;
  }
}

}  // namespace

std::vector<ThreadNode> thread_messages(std::span<const SortFacts> msgs, ThreadAlgorithm algorithm, bool uid) {
  Threader t(msgs, uid);
  switch (algorithm) {
    case ThreadAlgorithm::orderedsubject: return t.ordered_subject();
    case ThreadAlgorithm::references: return t.references(true, false);
    case ThreadAlgorithm::refs: return t.references(false, true);
  }
  return {};
}

void append_thread_response(std::string* out, const std::vector<ThreadNode>& threads) {
  out->append("* THREAD");
  if (!threads.empty()) out->push_back(' ');
  for (const ThreadNode& t : threads) append_list(out, t);
  out->append("\r\n");
}

}  // namespace loft::proto::imap
