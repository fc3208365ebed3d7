/*
 * A bare relay in C, for benchmarks/sim-proxy.mjs --native-relay: what a third process on loopback
 * costs when it is not Node at all (one thread, epoll, read/write, no copies beyond the kernel's).
 *
 *   cc -O2 -o native-relay benchmarks/native-relay.c
 *   ./native-relay TCP_UPSTREAM_PORT UDP_UPSTREAM_PORT   (prints "TCP_PORT UDP_PORT", both on 127.0.0.1)
 *
 * TCP: each accepted client gets its own upstream connection, TCP_NODELAY on both, bytes relayed both
 * ways through a 256 KiB buffer per direction; a direction whose destination is full stops reading its
 * source until the destination drains. UDP: one connected upstream socket; replies go to the last
 * client. Errors end the connection; the relay runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SIZE (256 * 1024)
#define MAX_FDS 65536

struct direction {
  int from, to;
  char *buffer;
  size_t start, end; /* bytes [start, end) read and not yet written */
  int eof;
};

/* Each fd maps to the direction that reads from it and the one that writes to it. */
static struct direction *reader_of[MAX_FDS];
static struct direction *writer_of[MAX_FDS];
static int epoll_fd;

static void fail(const char *what) {
  perror(what);
  exit(1);
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

static int bound_port(int fd) {
  struct sockaddr_in address;
  socklen_t length = sizeof address;
  if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) fail("getsockname");
  return ntohs(address.sin_port);
}

static void watch(int fd, unsigned events) {
  struct epoll_event event = {.events = events, .data.fd = fd};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) < 0) epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

/* What an fd waits for: input while its reading direction has room, output while its writing one is stuck. */
static void rearm(int fd) {
  unsigned events = 0;
  struct direction *r = reader_of[fd], *w = writer_of[fd];
  if (r && !r->eof && r->end == 0) events |= EPOLLIN;
  if (w && w->start < w->end) events |= EPOLLOUT;
  watch(fd, events);
}

static void close_pair(struct direction *d) {
  int a = d->from, b = d->to;
  struct direction *ab = reader_of[a], *ba = reader_of[b];
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, a, NULL);
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, b, NULL);
  close(a);
  close(b);
  reader_of[a] = writer_of[a] = reader_of[b] = writer_of[b] = NULL;
  free(ab->buffer);
  free(ba->buffer);
  free(ab);
  free(ba);
}

/* Writes what `d` holds; 1 when all of it went out, 0 when the destination is full, -1 on error. */
static int flush(struct direction *d) {
  while (d->start < d->end) {
    ssize_t n = write(d->to, d->buffer + d->start, d->end - d->start);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    d->start += (size_t)n;
  }
  d->start = d->end = 0;
  if (d->eof) shutdown(d->to, SHUT_WR);
  return 1;
}

/* Reads and forwards until the source is empty or the destination full; -1 when the pair must close. */
static int pump(struct direction *d) {
  for (;;) {
    int flushed = flush(d);
    if (flushed <= 0) return flushed;
    if (d->eof) {
      struct direction *back = reader_of[d->to];
      return back->eof && back->start == back->end ? -1 : 0;
    }
    ssize_t n = read(d->from, d->buffer, BUFFER_SIZE);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n == 0) d->eof = 1;
    d->end = (size_t)n;
  }
}

static struct direction *direction(int from, int to) {
  struct direction *d = calloc(1, sizeof *d);
  d->from = from;
  d->to = to;
  d->buffer = malloc(BUFFER_SIZE);
  reader_of[from] = d;
  writer_of[to] = d;
  return d;
}

static void accept_client(int listener, int upstream_port) {
  int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
  if (client < 0) return;
  int upstream = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = loopback(upstream_port);
  if (client >= MAX_FDS || upstream >= MAX_FDS ||
      connect(upstream, (struct sockaddr *)&address, sizeof address) < 0) {
    close(client);
    close(upstream);
    return;
  }
  fcntl(upstream, F_SETFL, O_NONBLOCK);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  direction(client, upstream);
  direction(upstream, client);
  rearm(client);
  rearm(upstream);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s TCP_UPSTREAM_PORT UDP_UPSTREAM_PORT\n", argv[0]);
    return 2;
  }
  int tcp_upstream = atoi(argv[1]), udp_upstream = atoi(argv[2]);
  signal(SIGPIPE, SIG_IGN);
  epoll_fd = epoll_create1(0);
  int one = 1;

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in any = loopback(0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr *)&any, sizeof any) < 0 || listen(listener, 128) < 0) fail("tcp");

  int buffers = 4 << 20;
  int udp_in = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int udp_out = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  setsockopt(udp_in, SOL_SOCKET, SO_RCVBUF, &buffers, sizeof buffers);
  setsockopt(udp_out, SOL_SOCKET, SO_RCVBUF, &buffers, sizeof buffers);
  struct sockaddr_in upstream = loopback(udp_upstream);
  if (bind(udp_in, (struct sockaddr *)&any, sizeof any) < 0 ||
      connect(udp_out, (struct sockaddr *)&upstream, sizeof upstream) < 0)
    fail("udp");

  watch(listener, EPOLLIN);
  watch(udp_in, EPOLLIN);
  watch(udp_out, EPOLLIN);
  printf("%d %d\n", bound_port(listener), bound_port(udp_in));
  fflush(stdout);

  struct sockaddr_in client;
  socklen_t client_length = 0;
  char datagram[65536];
  struct epoll_event events[64];
  for (;;) {
    int ready = epoll_wait(epoll_fd, events, 64, -1);
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        accept_client(listener, tcp_upstream);
      } else if (fd == udp_in) {
        socklen_t length = sizeof client;
        ssize_t n;
        while ((n = recvfrom(udp_in, datagram, sizeof datagram, 0, (struct sockaddr *)&client, &length)) >= 0) {
          client_length = length;
          send(udp_out, datagram, (size_t)n, 0);
        }
      } else if (fd == udp_out) {
        ssize_t n;
        while ((n = recv(udp_out, datagram, sizeof datagram, 0)) >= 0)
          if (client_length) sendto(udp_in, datagram, (size_t)n, 0, (struct sockaddr *)&client, client_length);
      } else {
        struct direction *in = reader_of[fd], *out = writer_of[fd];
        if (!in || !out) continue;
        int other = in->to;
        /* Both directions through this fd: its input, and output stuck on it. */
        if ((events[i].events & EPOLLERR) || pump(in) < 0 || pump(reader_of[other]) < 0) {
          close_pair(in);
          continue;
        }
        rearm(fd);
        rearm(other);
        /* Hung up both ways, read to the end and nothing left to write to it: stop hearing of it
           (level-triggered epoll would report the hang-up again and again) until its partner ends. */
        if ((events[i].events & EPOLLHUP) && in->eof && out->start == out->end)
          epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
      }
    }
  }
}
