// Linked into every program of the ThreadSanitizer build (CLAIMS_TSAN) only, so that TSan
// sees librdkafka's threads and locks. librdkafka uses C11 threads (thrd_create, mtx_lock,
// cnd_wait, ...); glibc implements them by calling its internal pthread functions directly, past
// the pthread interceptors of GCC 12's TSan runtime. Without these definitions a librdkafka
// thread had no TSan state (the first malloc on one crashed the process: SEGV in the TSan
// allocator on the mock cluster's thread), and every handoff through librdkafka's queues (an
// event allocated by our relay thread, read in its delivery callback on a librdkafka thread)
// was reported as a race. The executable's definitions come before glibc's for librdkafka, and
// each calls the pthread function glibc itself calls (glibc's thrd_t is a pthread_t, mtx_t a
// pthread_mutex_t, cnd_t a pthread_cond_t, once_flag a pthread_once_t; the int result of a
// thread travels as a void*, as in glibc), so behaviour is unchanged but visible to TSan.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* RunC11Thread(void* p) {
  const Start start = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* start = new (std::nothrow) Start{func, arg};
  if (start == nullptr) return thrd_nomem;
  const int rc = pthread_create(thr, nullptr, RunC11Thread, start);
  if (rc != 0) {
    delete start;
    return rc == EAGAIN ? thrd_nomem : thrd_error;
  }
  return thrd_success;
}

namespace {
int C11Result(int rc) {
  if (rc == 0) return thrd_success;
  if (rc == EBUSY) return thrd_busy;
  if (rc == ETIMEDOUT) return thrd_timedout;
  if (rc == ENOMEM) return thrd_nomem;
  return thrd_error;
}
pthread_mutex_t* Mutex(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* Cond(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }
}  // namespace

extern "C" int thrd_join(thrd_t thr, int* res) {
  void* result = nullptr;
  const int rc = pthread_join(thr, &result);
  if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(result));
  return C11Result(rc);
}
extern "C" int thrd_detach(thrd_t thr) { return C11Result(pthread_detach(thr)); }

extern "C" int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(Mutex(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return C11Result(rc);
}
extern "C" int mtx_lock(mtx_t* m) { return C11Result(pthread_mutex_lock(Mutex(m))); }
extern "C" int mtx_trylock(mtx_t* m) { return C11Result(pthread_mutex_trylock(Mutex(m))); }
extern "C" int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict t) {
  return C11Result(pthread_mutex_timedlock(Mutex(m), t));
}
extern "C" int mtx_unlock(mtx_t* m) { return C11Result(pthread_mutex_unlock(Mutex(m))); }
extern "C" void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(Mutex(m)); }

extern "C" int cnd_init(cnd_t* c) { return C11Result(pthread_cond_init(Cond(c), nullptr)); }
extern "C" int cnd_signal(cnd_t* c) { return C11Result(pthread_cond_signal(Cond(c))); }
extern "C" int cnd_broadcast(cnd_t* c) { return C11Result(pthread_cond_broadcast(Cond(c))); }
extern "C" int cnd_wait(cnd_t* c, mtx_t* m) {
  return C11Result(pthread_cond_wait(Cond(c), Mutex(m)));
}
extern "C" int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m,
                             const struct timespec* __restrict t) {
  return C11Result(pthread_cond_timedwait(Cond(c), Mutex(m), t));
}
extern "C" void cnd_destroy(cnd_t* c) { pthread_cond_destroy(Cond(c)); }

extern "C" void call_once(once_flag* flag, void (*func)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), func);
}
