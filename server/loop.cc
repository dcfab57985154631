#include "server/loop.h"

#include "base/log.h"
#include "server/connection.h"
#include "server/server.h"

namespace loft::server {

namespace {
thread_local Loop* t_current = nullptr;
}  // namespace

Loop* Loop::current() { return t_current; }

Loop::Loop(Server& server, unsigned index, uv_loop_t* external)
    : server_(server), index_(index), uv_(external), read_buffer_(new char[kReadBufferSize]) {
  if (!uv_) {
    owned_ = std::make_unique<uv_loop_t>();
    uv_loop_init(owned_.get());
    uv_ = owned_.get();
  }
  uv_prepare_init(uv_, &prepare_);
  prepare_.data = this;
  uv_timer_init(uv_, &sweep_);
  sweep_.data = this;
  uv_async_init(uv_, &change_async_, on_change);
  change_async_.data = this;
  uv_async_init(uv_, &post_async_, on_post);
  post_async_.data = this;
}

Loop::~Loop() {
  if (feed_handle_) server_.store().changes().unsubscribe(feed_handle_);
  join();
  if (owned_) {
    // A loop that never ran (start failed early) still holds open handles.
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&prepare_), reinterpret_cast<uv_handle_t*>(&change_async_),
                           reinterpret_cast<uv_handle_t*>(&post_async_), reinterpret_cast<uv_handle_t*>(&sweep_)})
      if (!uv_is_closing(h)) uv_close(h, nullptr);
    uv_run(uv_, UV_RUN_DEFAULT);  // the close callbacks
    uv_loop_close(uv_);
  }
}

void Loop::start() {
  // Replies are appended during a loop iteration and written once, just
  // before the loop sleeps: one write per pipeline instead of one per reply.
  uv_prepare_start(&prepare_, on_prepare);
  // Once a second: the stall and login limits are short, and a pass over
  // every connection costs little next to a second of the loop's time.
  uv_timer_start(&sweep_, on_sweep, kSweepMs, kSweepMs);
  // Every loop gets every change (the committer thread hands it over through
  // this loop's async handle); the loop fans it out to its own watchers.
  feed_handle_ = server_.store().changes().subscribe([this](const storage::MailboxChange& change) {
    {
      std::lock_guard lock(changes_mutex_);
      pending_changes_.push_back(change);
    }
    uv_async_send(&change_async_);
  });
  if (owned_) {
    thread_ = std::thread([this] {
      t_current = this;
      uv_run(uv_, UV_RUN_DEFAULT);
      t_current = nullptr;
    });
  } else {
    t_current = this;
  }
}

void Loop::join() {
  if (thread_.joinable()) thread_.join();
}

bool Loop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(post_mutex_);
    if (post_closed_) return false;
    posted_.push_back(std::move(fn));
    // Under the lock: the handle cannot be closed meanwhile. Coalesced: one
    // callback runs every queued fn.
    uv_async_send(&post_async_);
  }
  return true;
}

void Loop::on_post(uv_async_t* h) { static_cast<Loop*>(h->data)->run_posted(); }

void Loop::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(post_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) {
    try {
      fn();
    } catch (const std::exception& e) {  // no exception may cross a libuv callback
      log_error("loop ", index_, ": posted task failed: ", e.what());
    }
  }
}

void Loop::link(Connection* c) {
  c->next_ = head_;
  if (head_) head_->prev_ = c;
  head_ = c;
  count_.fetch_add(1, std::memory_order_relaxed);
  LogEvent(LogLevel::info, "server", "connect").session(c->id()).remote(c->peer())
      .field("protocol", protocol_name(c->listener().protocol)).field("loop", index_);
}

void Loop::unlink(Connection* c) {
  if (c->prev_) c->prev_->next_ = c->next_;
  else if (head_ == c) head_ = c->next_;
  if (c->next_) c->next_->prev_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
  count_.fetch_sub(1, std::memory_order_relaxed);
  server_.release_connection();
  if (c->flush_scheduled_) std::erase(dirty_, c);
  LogEvent(LogLevel::info, "server", "disconnect").session(c->id()).remote(c->peer());
}

void Loop::object_destroyed() {
  --objects_;
  maybe_close();
}

void Loop::on_prepare(uv_prepare_t* h) {
  auto* self = static_cast<Loop*>(h->data);
  std::vector<Connection*> batch;
  batch.swap(self->dirty_);
  for (Connection* c : batch) c->flush();
}

void Loop::on_sweep(uv_timer_t* h) {
  auto* self = static_cast<Loop*>(h->data);
  uint64_t now = uv_now(self->uv_);
  for (Connection* c = self->head_; c;) {
    Connection* next = c->next_;  // c may unlink itself
    c->check_timers(now);
    c = next;
  }
  if (self->index_ == 0) self->server_.memory_trim().tick(self->uv_, self->server_.connection_count(), now);
}

void Loop::on_stop_deadline(uv_timer_t* h) {
  auto* self = static_cast<Loop*>(h->data);
  log_warn("stopping: loop ", self->index_, ": ", self->connection_count(),
           " connection(s) did not finish in time; closing them");
  for (Connection* c = self->head_; c;) {
    Connection* next = c->next_;
    c->abort();
    c = next;
  }
}

void Loop::on_change(uv_async_t* h) { static_cast<Loop*>(h->data)->deliver_changes(); }

void Loop::deliver_changes() {
  // The committer thread only appends under changes_mutex_; watchers_ and the
  // handlers are touched on this loop's thread alone.
  std::vector<storage::MailboxChange> changes;
  {
    std::lock_guard lock(changes_mutex_);
    changes.swap(pending_changes_);
  }
  for (const auto& change : changes) {
    std::vector<ChangeHandler> handlers;  // copied: a handler may unwatch
    if (change.list.empty()) {
      auto [lo, hi] = watchers_.equal_range(change.mailbox);
      for (auto it = lo; it != hi; ++it) handlers.push_back(it->second.second);
    }
    auto [alo, ahi] = account_watchers_.equal_range(change.account);
    for (auto it = alo; it != ahi; ++it) handlers.push_back(it->second.second);
    for (auto& fn : handlers) fn(change);
  }
}

uint64_t Loop::watch_account(storage::AccountId account, ChangeHandler handler) {
  uint64_t id = next_watch_++;
  account_watchers_.emplace(account, std::make_pair(id, std::move(handler)));
  return id;
}

void Loop::unwatch_account(uint64_t handle) {
  std::erase_if(account_watchers_, [handle](const auto& kv) { return kv.second.first == handle; });
}

uint64_t Loop::watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler) {
  uint64_t id = next_watch_++;
  watchers_.emplace(mailbox, std::make_pair(id, std::move(handler)));
  return id;
}

void Loop::unwatch_mailbox(uint64_t handle) {
  for (auto it = watchers_.begin(); it != watchers_.end(); ++it) {
    if (it->second.first == handle) {
      watchers_.erase(it);
      return;
    }
  }
}

void Loop::stop() {
  if (stopping_) return;
  stopping_ = true;
  // Sessions get kStopGraceMs to finish in-flight work and flush; then the rest is cut.
  uv_timer_stop(&sweep_);
  uv_timer_start(&sweep_, on_stop_deadline, Server::kStopGraceMs, 0);
  if (feed_handle_) {
    server_.store().changes().unsubscribe(feed_handle_);
    feed_handle_ = 0;
  }
  for (Connection* c = head_; c;) {
    Connection* next = c->next_;
    c->shutdown();
    c = next;
  }
  maybe_close();
}

void Loop::maybe_close() {
  // Stopping and no connection object left (so no work will post back to
  // one): close the loop's own handles so that its uv_run returns.
  if (!stopping_ || objects_ > 0 || closed_) return;
  closed_ = true;
  run_posted();  // anything posted before the close still runs
  {
    std::lock_guard lock(post_mutex_);
    post_closed_ = true;
  }
  run_posted();  // and anything posted while the first batch ran
  for (auto& fn : at_close_) fn();
  at_close_.clear();
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&prepare_), reinterpret_cast<uv_handle_t*>(&change_async_),
                         reinterpret_cast<uv_handle_t*>(&post_async_), reinterpret_cast<uv_handle_t*>(&sweep_)})
    if (!uv_is_closing(h)) uv_close(h, nullptr);
}

}  // namespace loft::server
