// oidc-provider's Provider, naming itself with EGRESS_ISSUER_HOST instead of
// 127.0.0.1 (see provider_at.mjs).
import Provider from 'oidc-provider';

export default class extends Provider {
  constructor(issuer, configuration) {
    super(issuer.replace(/^http:\/\/127\.0\.0\.1:/, `http://${process.env.EGRESS_ISSUER_HOST}:`), configuration);
  }
}
