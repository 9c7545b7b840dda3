/**
 * What the wire says: request-to-response times from a tcpdump capture of
 * HTTP/1.1 on loopback. Each TCP segment whose payload starts a request
 * ("GET ", "POST ", …) or a response ("HTTP/1.") is an event at the
 * kernel's timestamp; on each client port, the n-th response answers the
 * n-th request (no pipelining). Reads classic pcap (µs or ns), Ethernet
 * (lo), Linux cooked (any) or raw IPv4 links.
 */

const REQUEST = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /;

/** Milliseconds from each request's first segment to its response's first segment, in capture order. */
export function wireLatencies(pcap: Buffer, serverPort: number): number[] {
  const magic = pcap.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a pcap file');
  const u32 = (o: number): number => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  const nanos = (le ? magic : pcap.readUInt32BE(0)) === 0xa1b23c4d;
  const link = u32(20);
  const linkHeader = link === 1 ? 14 : link === 113 ? 16 : link === 101 ? 0 : -1;
  if (linkHeader < 0) throw new Error(`pcap link type ${link} is not Ethernet, Linux cooked or raw IP`);
  const asked = new Map<number, number[]>();
  const out: number[] = [];
  for (let o = 24; o + 16 <= pcap.length; ) {
    const ms = u32(o) * 1000 + u32(o + 4) / (nanos ? 1e6 : 1e3);
    const captured = u32(o + 8);
    const ip = o + 16 + linkHeader;
    o += 16 + captured;
    if (pcap[ip]! >> 4 !== 4 || pcap[ip + 9] !== 6) continue; // IPv4, TCP
    const tcp = ip + (pcap[ip]! & 15) * 4;
    const from = pcap.readUInt16BE(tcp);
    const to = pcap.readUInt16BE(tcp + 2);
    const payload = tcp + (pcap[tcp + 12]! >> 4) * 4;
    if (payload >= o) continue;
    const head = pcap.toString('latin1', payload, Math.min(o, payload + 8));
    if (to === serverPort && REQUEST.test(head)) {
      const q = asked.get(from);
      if (q) q.push(ms);
      else asked.set(from, [ms]);
    } else if (from === serverPort && head.startsWith('HTTP/1.')) {
      const sent = asked.get(to)?.shift();
      if (sent !== undefined) out.push(ms - sent);
    }
  }
  return out;
}

/** The q-quantile (0–1) of unsorted values, by rank. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
