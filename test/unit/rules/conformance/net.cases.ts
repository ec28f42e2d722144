import { LIBS, connect, ruleFor, type Case } from './harness.js';

const NET = 'userspace/libsinsp/test/filter_op_net_compare.ut.cpp';
const FD = 'userspace/libsinsp/sinsp_filtercheck_fd.cpp';
// No upstream unit test evaluates fd.port or a non-socket fd: these cite the implementation they follow.
const PORT = LIBS(FD, 'sinsp_filter_check_fd::compare_port (implementation; no unit test)');
const IP = LIBS(FD, 'sinsp_filter_check_fd::compare_ip (implementation; no unit test)');
// The socket of libsinsp's net tests: client 172.40.111.222, server 142.251.111.147.
const sock = connect('172.40.111.222', 54321, '142.251.111.147', 443);
const local = connect('10.0.0.5', 40000, '10.0.0.9', 8080);
const file = { ...connect('1.1.1.1', 1, '1.1.1.1', 1), fd: { type: 'file', name: '/etc/passwd' } } as typeof sock;

const c = (cond: string, expect: [typeof sock, boolean][], name: string, upstream = LIBS(NET, 'net_ipv4_compare')): Case => ({
  name,
  upstream,
  yaml: ruleFor(`evt.type = connect and ${cond}`),
  verdict: 'load',
  events: expect.map(([event, match]) => ({ event, match })),
});

/** Issue bullet 4: two-ended fields follow libsinsp for every operator. */
export const netCases: Case[] = [
  c('fd.ip == 142.251.111.147', [[sock, true]], 'fd.ip == the server address holds (either end)'),
  c('fd.ip = 172.40.111.222', [[sock, true]], 'fd.ip = the client address holds (either end)'),
  c('fd.ip != 142.251.111.147', [[sock, false]], 'fd.ip != one end is false: neither end may equal'),
  c('fd.ip != 8.8.8.8', [[sock, true]], 'fd.ip != an address neither end has holds'),
  c('fd.ip in (8.8.8.8, 142.251.111.147)', [[sock, true]], 'fd.ip in (...) holds when either end is listed'),
  c('fd.net == 142.251.0.0/16', [[sock, true]], 'fd.net == a CIDR holding the server holds'),
  c('fd.net == 10.0.0.0/8', [[sock, false]], 'fd.net == a CIDR holding neither end is false'),
  c(
    'fd.net != 10.0.0.0/8',
    [
      [sock, true],
      [local, false],
    ],
    'fd.net != CIDR: true when neither end is inside, false when both are',
  ),
  c('fd.net != 172.40.0.0/16', [[sock, false]], 'fd.net != CIDR holding only the client is false (the outbound macro pattern)'),
  c('fd.net != 2001:db8:abcd:12::/64', [[sock, true]], 'fd.net != an IPv6 network on an IPv4 socket holds', LIBS(NET, 'net_ipv6_compare')),
  c('fd.sip != 0:0:0:0:0:0:0:1', [[sock, true]], 'fd.sip != an IPv6 address on an IPv4 socket holds'),
  c('fd.port = 443', [[sock, true]], 'fd.port = the server port holds', PORT),
  c('fd.port = 54321', [[sock, true]], 'fd.port = the client port holds', PORT),
  c('fd.port != 443', [[sock, false]], 'fd.port != one end is false (neither end may equal)', PORT),
  c('fd.port != 22', [[sock, true]], 'fd.port != a port neither end has holds', PORT),
  c('fd.port < 1024', [[sock, true]], 'fd.port < N holds when either end is below', PORT),
  c('fd.port > 60000', [[sock, false]], 'fd.port > N is false when neither end is above', PORT),
  c('fd.port in (22, 443)', [[sock, true]], 'fd.port in (...) holds when either end is listed', PORT),
  c('fd.ip != 8.8.8.8', [[file, false]], 'fd.ip != on a file descriptor is false (not a socket)', IP),
  c('not fd.ip = 142.251.111.147', [[sock, false]], 'not fd.ip = X is the negation of the either-end test', IP),
  {
    name: 'fd.ip with a string operator is refused (IP filter only supports = and !=)',
    upstream: LIBS('userspace/libsinsp/test/filter_compiler.ut.cpp', 'operators_field_types_compatibility'),
    yaml: ruleFor('evt.type = connect and fd.ip contains 142'),
    verdict: 'fail',
  },
  c('fd.sip == 142.251.111.147 and fd.cip == 172.40.111.222', [[sock, true]], 'one-ended fields compare their own end only'),
  c(
    'fd.ip intersects (142.251.111.147)',
    [[sock, true]],
    'fd.ip intersects (...) compiles and holds like in',
    LIBS('userspace/libsinsp/test/filter_compiler.ut.cpp', 'operators_field_types_compatibility'),
  ),
  c('fd.snet != 142.0.0.0/8', [[sock, false]], 'fd.snet != is the plain negation on the server end'),
];
