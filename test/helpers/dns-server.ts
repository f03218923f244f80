// A small authoritative DNS server on a loopback UDP port (packets by dns-packet) whose A records a test
// changes while clients resolve through it: replicas coming and going behind one name.
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface TestDnsServer {
  /** "127.0.0.1:<port>", the authority of a dns://<server>/name:port target. */
  readonly address: string;
  /** Sets the A records of a name (empty: the name exists with no addresses). */
  setA(name: string, addresses: string[]): void;
  /** Questions asked so far, per name (of one type, e.g. 'A', when given); tests await a count instead of sleeping. */
  queries(name: string, type?: string): number;
  /** Resolves once `name` has been asked about `count` times in all. */
  waitForQueries(name: string, count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, string[]>();
  const counts = new Map<string, number>();
  const waiters: { name: string; count: number; resolve: () => void }[] = [];
  const socket = createSocket('udp4');

  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: nothing to answer
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    counts.set(`${name} ${question.type}`, (counts.get(`${name} ${question.type}`) ?? 0) + 1);
    for (const waiter of waiters.filter((candidate) => candidate.name === name && (counts.get(name) ?? 0) >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const addresses = records.get(name);
    const answers: dnsPacket.Answer[] = question.type === 'A' && addresses ? addresses.map((data) => ({ type: 'A', class: 'IN', name: question.name, ttl: 0, data })) : [];
    const response = dnsPacket.encode({
      id: query.id,
      type: 'response',
      // Authoritative answer, recursion desired echoed; NXDOMAIN (rcode 3) for names never set.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (addresses ? 0 : 3),
      questions: query.questions,
      answers,
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();

  return {
    address: `127.0.0.1:${port}`,
    setA: (name, addresses) => void records.set(name.toLowerCase(), [...addresses]),
    queries: (name, type) => counts.get(type ? `${name.toLowerCase()} ${type}` : name.toLowerCase()) ?? 0,
    waitForQueries: (name, count) =>
      new Promise<void>((resolve) => {
        if ((counts.get(name.toLowerCase()) ?? 0) >= count) return resolve();
        waiters.push({ name: name.toLowerCase(), count, resolve });
      }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
