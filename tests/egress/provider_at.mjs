// Runs tests/oidc/provider.mjs unchanged on another address, for the egress
// test's OIDC part:  node --import ./tests/egress/provider_at.mjs tests/oidc/provider.mjs PORT
//
// provider.mjs listens on 127.0.0.1 and names itself http://127.0.0.1:PORT.
// Here the provider lives in its own network namespace behind a veth pair, so
//   EGRESS_LISTEN       the address it listens on instead (e.g. 10.77.0.1);
//   EGRESS_ISSUER_HOST  the host its issuer URL names instead (e.g. localhost,
//                       which the test's private /etc/hosts maps to EGRESS_LISTEN:
//                       the server accepts plain http only for a loopback issuer
//                       and trusts only the public web PKI, so a test provider
//                       off loopback needs that name).
// The listen address is swapped in net.Server.listen; the issuer by a resolve
// hook that hands provider.mjs a subclass of oidc-provider's Provider
// (provider_shim.mjs). If provider.mjs changes how it listens or names itself,
// the test fails (no READY, or the server refuses the issuer); it cannot pass.
import { register } from 'node:module';
import net from 'node:net';

const listen = process.env.EGRESS_LISTEN;
if (!listen || !process.env.EGRESS_ISSUER_HOST) {
  console.error('provider_at.mjs: set EGRESS_LISTEN and EGRESS_ISSUER_HOST');
  process.exit(2);
}
const original = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[1] === '127.0.0.1') args[1] = listen;
  return original.apply(this, args);
};
register('./provider_hooks.mjs', import.meta.url);
