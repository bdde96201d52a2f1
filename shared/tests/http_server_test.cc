#include "shared/http_server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "testing/http_client.h"

namespace claims {
namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// Answers the replies handed to it from its own thread, in the order it got them, once told how
// many to answer: what a journal's completion thread does with requests waiting for a commit.
class LaterAnswers {
 public:
  LaterAnswers() : thread_([this] { Run(); }) {}
  ~LaterAnswers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Hold(std::string text, Reply reply) {
    std::lock_guard lock(mu_);
    held_.emplace_back(std::move(text), std::move(reply));
    cv_.notify_all();
  }
  void WaitHolding(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return held_.size() >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    release_ = true;
    cv_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || (release_ && !held_.empty()); });
      if (stop_) return;
      auto [text, reply] = std::move(held_.front());
      held_.pop_front();
      lock.unlock();
      reply(Text(200, "later " + text));
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Reply>> held_;
  bool release_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/now", [](const HttpRequest&) { return Text(200, "now"); });
    router_.AddAsync("GET", "/later/{n}", [this](const HttpRequest& request, Reply reply) {
      later_.Hold(request.path_params.at("n"), std::move(reply));
    });
    router_.AddAsync("GET", "/dropped", [](const HttpRequest&, const Reply&) {});
    router_.AddAsync("GET", "/twice", [](const HttpRequest&, const Reply& reply) {
      reply(Text(200, "first"));
      reply(Text(500, "second"));
    });
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.access_log = false;
    StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(router_, options, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override {
    later_.Release();
    server_.reset();
  }

  prometheus::Registry metrics_;
  Router router_;
  LaterAnswers later_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnAsyncHandlerAnswersLaterFromAnotherThreadWithoutHoldingAServerThread) {
  // Eight requests wait for their answers at once on a server of two threads: the handlers
  // returned without answering, so the threads are free for the ninth request.
  constexpr int kWaiting = 8;
  std::vector<testing::HttpResult> results(kWaiting);
  std::vector<std::thread> clients;
  for (int i = 0; i < kWaiting; ++i) {
    clients.emplace_back([&, i] {
      testing::HttpClient client(server_->port());
      results[i] = client.Get("/later/" + std::to_string(i));
    });
  }
  later_.WaitHolding(kWaiting);
  testing::HttpClient client(server_->port());
  const testing::HttpResult now = client.Get("/now");
  EXPECT_EQ(now.status, 200);
  EXPECT_EQ(now.body, "now");
  later_.Release();
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < kWaiting; ++i) {
    EXPECT_EQ(results[i].status, 200) << results[i].error;
    EXPECT_EQ(results[i].body, "later " + std::to_string(i));
    EXPECT_FALSE(results[i].Header("x-request-id").empty());
  }
  // The connection stays usable after an answer sent from another thread.
  EXPECT_EQ(client.Get("/now").body, "now");
}

TEST_F(HttpServerTest, AHandlerThatDropsItsReplyStillAnswers500) {
  testing::HttpClient client(server_->port());
  const testing::HttpResult r = client.Get("/dropped");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  EXPECT_EQ(client.Get("/now").status, 200);
}

TEST_F(HttpServerTest, OnlyTheFirstAnswerIsSent) {
  testing::HttpClient client(server_->port());
  const testing::HttpResult r = client.Get("/twice");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "first");
  EXPECT_EQ(client.Get("/now").body, "now");
}

TEST_F(HttpServerTest, ShutdownWaitsForAnswersStillToCome) {
  testing::HttpResult waited;
  std::thread waiting([&] {
    testing::HttpClient client(server_->port());
    waited = client.Get("/later/x");
  });
  later_.WaitHolding(1);
  std::thread releasing([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    later_.Release();
  });
  server_->Shutdown(std::chrono::seconds(5));
  waiting.join();
  releasing.join();
  EXPECT_EQ(waited.status, 200) << waited.error;
  EXPECT_EQ(waited.body, "later x");
}

}  // namespace
}  // namespace claims
