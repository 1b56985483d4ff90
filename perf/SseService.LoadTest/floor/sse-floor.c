/*
 * sse-floor: the physical floor of SSE fan-out on this machine. It does nothing but write(2) each
 * pre-formatted event to every subscriber socket, so the load tool (run with --no-publish) can measure
 * the CPU per delivery that no server can beat, in the same run and conditions as SseService.
 *
 *   gcc -O2 -Wall -Wextra -o sse-floor sse-floor.c -lpthread
 *   ./sse-floor --port 9401 --rate 100 [--payload 64] [--batch 1] [--subscribers 1000]
 *   ./sse-floor --port 9401 --rate 0 --subscribers 10000     (idle: answer every stream, publish nothing)
 *
 * Linux only. Two threads: one accepts connections and reads their request heads (epoll); the main
 * thread publishes, paced by clock_nanosleep, and is the only one that writes events.
 * The data of every event is what the load tool's Payload.Create makes: "<seq> <timestamp> xxx..."
 * padded to --payload bytes, the timestamp being CLOCK_MONOTONIC in nanoseconds, which is what .NET's
 * Stopwatch.GetTimestamp() returns on Linux (Stopwatch.Frequency is 1e9), so the tool's latency holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBSCRIBERS 20000
#define MAX_HEAD_BYTES (64 * 1024)

static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Connection: close\r\n\r\n: ok\n\n";

static volatile sig_atomic_t stopping;

/* Connections whose head was answered, handed from the accept thread to the publisher. */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static int ready[MAX_SUBSCRIBERS];
static int ready_count;
static atomic_int accepted_total; /* every subscriber ever answered: the start condition */

/* Owned by the publishing thread alone. */
static int subscribers[MAX_SUBSCRIBERS];
static int subscriber_count;
static unsigned long dropped_full; /* the socket could not take the whole write: EAGAIN or short */
static unsigned long dropped_gone; /* any other error: the subscriber went away */

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    /* EINTR from a signal returns early; the loop then sees the stop flag. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void on_signal(int signal)
{
    (void)signal;
    stopping = 1;
}

/* ---- accepting (its own thread, so a burst of connects never delays a publish) ---- */

/* Per descriptor: how far into "\r\n\r\n" the head has matched, and its size so far. */
struct head_state {
    unsigned char matched;
    unsigned int bytes;
};
static struct head_state *heads;
static int max_fd;

static void add_ready(int fd)
{
    pthread_mutex_lock(&ready_lock);
    int room = ready_count < MAX_SUBSCRIBERS;
    if (room)
        ready[ready_count++] = fd;
    pthread_mutex_unlock(&ready_lock);
    if (room)
        atomic_fetch_add(&accepted_total, 1);
    else
        close(fd); /* more than the publisher could ever hold */
}

/* Reads what the client sent; once the blank line ending the head is in, answers and hands it over. */
static void read_head(int epoll, int fd)
{
    static const char end[] = "\r\n\r\n";
    char buffer[4096];
    struct head_state *head = &heads[fd];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) /* closed or failed before the head ended */
            break;
        for (ssize_t i = 0; i < n; i++) {
            /* A mismatch restarts the match, at 1 if this byte begins "\r\n\r\n" again. */
            head->matched = buffer[i] == end[head->matched] ? head->matched + 1 : buffer[i] == '\r';
            if (head->matched == 4) {
                /* Anything after the head is ignored: the stream only ever goes one way. */
                epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL);
                if (write(fd, response, sizeof response - 1) == (ssize_t)(sizeof response - 1))
                    add_ready(fd);
                else
                    close(fd); /* a fresh socket always takes 100 bytes; this one is broken */
                return;
            }
        }
        head->bytes += (unsigned int)n;
        if (head->bytes > MAX_HEAD_BYTES)
            break;
    }
    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

static void *accept_loop(void *arg)
{
    int listener = *(int *)arg;
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0)
        die("epoll_create1");
    struct epoll_event event = { .events = EPOLLIN, .data.fd = listener };
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event) < 0)
        die("epoll_ctl");

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epoll, events, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd != listener) {
                read_head(epoll, fd);
                continue;
            }
            int client;
            while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                int one = 1;
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* as Kestrel does */
                if (client >= max_fd) {
                    close(client);
                    continue;
                }
                heads[client] = (struct head_state){ 0, 0 };
                struct epoll_event readable = { .events = EPOLLIN, .data.fd = client };
                epoll_ctl(epoll, EPOLL_CTL_ADD, client, &readable);
            }
            if (errno == EMFILE || errno == ENFILE) {
                /* Out of descriptors: the listener stays readable, so pause instead of spinning. */
                fprintf(stderr, "sse-floor: accept: %s\n", strerror(errno));
                usleep(100000);
            }
        }
    }
    return NULL;
}

/* ---- publishing (the main thread: the only writer of events) ---- */

static void adopt_ready(void)
{
    pthread_mutex_lock(&ready_lock);
    for (int i = 0; i < ready_count; i++) {
        if (subscriber_count < MAX_SUBSCRIBERS)
            subscribers[subscriber_count++] = ready[i];
        else
            close(ready[i]);
    }
    ready_count = 0;
    pthread_mutex_unlock(&ready_lock);
}

/* Appends one frame "id: <seq>\ndata: <seq> <timestamp> xxx...\n\n" exactly as Payload.Create pads it. */
static size_t format_event(char *out, unsigned long sequence, uint64_t timestamp, size_t payload)
{
    char head[48];
    int minimum = snprintf(head, sizeof head, "%lu %llu", sequence, (unsigned long long)timestamp);
    size_t size = payload > (size_t)minimum ? payload : (size_t)minimum;
    size_t length = (size_t)sprintf(out, "id: %lu\ndata: %s", sequence, head);
    if ((size_t)minimum < size) {
        out[length++] = ' ';
        memset(out + length, 'x', size - (size_t)minimum - 1);
        length += size - (size_t)minimum - 1;
    }
    out[length++] = '\n';
    out[length++] = '\n';
    return length;
}

/* One write(2) of the batch per socket. A socket that cannot take all of it is closed, never waited for. */
static void write_all(const char *frame, size_t length)
{
    for (int i = 0; i < subscriber_count;) {
        ssize_t written = write(subscribers[i], frame, length);
        if (written == (ssize_t)length) {
            i++;
            continue;
        }
        if (written < 0 && errno == EINTR)
            continue; /* a signal; try the same socket again */
        if (written >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
            dropped_full++;
        else
            dropped_gone++;
        close(subscribers[i]);
        subscribers[i] = subscribers[--subscriber_count];
    }
}

static void usage(const char *program)
{
    fprintf(stderr,
            "usage: %s --port P --rate MSGS_PER_S [--payload BYTES (64)] [--batch K (1)] [--subscribers N (1)]\n"
            "Listens on 127.0.0.1:P; once N subscribers are connected, writes R events/s to every one,\n"
            "K events per write(2); --rate 0 publishes nothing (idle streams, for memory). SIGTERM or\n"
            "SIGINT ends it with a summary on stderr.\n",
            program);
    exit(2);
}

static long number(const char *option, const char *value, long min, long max)
{
    char *end;
    errno = 0;
    long result = strtol(value, &end, 10);
    if (errno || *end || end == value || result < min || result > max) {
        fprintf(stderr, "sse-floor: %s must be a whole number from %ld to %ld, not '%s'\n", option, min, max, value);
        exit(2);
    }
    return result;
}

int main(int argc, char **argv)
{
    long port = 0, payload = 64, batch = 1, wanted = 1;
    double rate = -1;
    static const struct option options[] = {
        { "port", required_argument, NULL, 'p' },       { "rate", required_argument, NULL, 'r' },
        { "payload", required_argument, NULL, 'b' },    { "batch", required_argument, NULL, 'k' },
        { "subscribers", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int option;
    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (option) {
        case 'p': port = number("--port", optarg, 1, 65535); break;
        case 'r': {
            char *end;
            rate = strtod(optarg, &end);
            if (*end || end == optarg || !(rate >= 0 && rate <= 10000000)) {
                fprintf(stderr, "sse-floor: --rate must be a number from 0 (idle) to 10000000, not '%s'\n", optarg);
                exit(2);
            }
            break;
        }
        case 'b': payload = number("--payload", optarg, 0, 1024 * 1024); break;
        case 'k': batch = number("--batch", optarg, 1, 10000); break;
        case 'n': wanted = number("--subscribers", optarg, 1, MAX_SUBSCRIBERS); break;
        default: usage(argv[0]);
        }
    }
    if (optind < argc || port == 0 || rate < 0)
        usage(argv[0]);

    /* Descriptors: raise the soft limit to the hard one, as .NET does, to hold 20,000 sockets. */
    struct rlimit files;
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    max_fd = files.rlim_cur > 1 << 20 ? 1 << 20 : (int)files.rlim_cur;
    if (max_fd < wanted + 16)
        fprintf(stderr, "sse-floor: warning: %d descriptors cannot hold %ld subscribers\n", max_fd, wanted);
    heads = calloc((size_t)max_fd, sizeof *heads);

    /* Room for one batch: each event is its payload plus the id, the second number and the framing. */
    size_t event_capacity = (size_t)payload + 96;
    char *frame = malloc(event_capacity * (size_t)batch);
    if (!heads || !frame)
        die("malloc");

    signal(SIGPIPE, SIG_IGN); /* a gone subscriber is an EPIPE from write, not a dead process */
    struct sigaction stop = { .sa_handler = on_signal }; /* no SA_RESTART: a sleep ends at once */
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0)
        die("socket");
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0)
        die("bind");
    if (listen(listener, 4096) < 0)
        die("listen");

    /* The accept thread takes no signals, so they always interrupt the publisher's sleep. */
    sigset_t signals, previous;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, &previous);
    pthread_t acceptor;
    if (pthread_create(&acceptor, NULL, accept_loop, &listener) != 0)
        die("pthread_create");
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    fprintf(stderr, "sse-floor: listening on 127.0.0.1:%ld; %g msgs/s, %ld B payload, %ld per write, after %ld subscribers\n",
            port, rate, payload, batch, wanted);

    /* Start only once everyone listens, so every subscriber's sequence starts at 1. */
    while (!stopping && atomic_load(&accepted_total) < wanted)
        usleep(1000);
    adopt_ready();

    if (rate == 0) {
        /* Idle: the streams have their head and ": ok"; hold them until told to stop. */
        while (!stopping)
            pause();
        adopt_ready();
        fprintf(stderr, "sse-floor: idle; %d subscribers held\n", subscriber_count);
        return 0;
    }

    /* Message k is due at start + (k-1)/rate: a late wake-up catches up instead of drifting. */
    double period = 1e9 / rate;
    uint64_t start = now_ns();
    unsigned long sequence = 0, sent = 0, writes = 0;
    size_t length = 0;
    long in_batch = 0;
    while (!stopping) {
        sleep_until(start + (uint64_t)((double)sequence * period));
        if (stopping)
            break;
        sequence++;
        length += format_event(frame + length, sequence, now_ns(), (size_t)payload);
        if (++in_batch < batch)
            continue;
        adopt_ready(); /* late or reconnecting subscribers join at the next write */
        write_all(frame, length);
        sent += (unsigned long)in_batch;
        writes++;
        length = 0;
        in_batch = 0;
    }

    fprintf(stderr,
            "sse-floor: sent %lu messages in %lu writes per subscriber; dropped %lu subscribers whose socket was full "
            "and %lu that had gone; %d still connected\n",
            sent, writes, dropped_full, dropped_gone, subscriber_count);
    return 0;
}
