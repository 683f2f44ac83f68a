// Module resolve hook of provider_at.mjs: `oidc-provider` imported by anyone
// but the shim resolves to provider_shim.mjs; the shim's own import resolves
// to the real package, as seen from the module that first asked for it.
const SHIM = new URL('./provider_shim.mjs', import.meta.url).href;
let importer;

export async function resolve(specifier, context, next) {
  if (specifier === 'oidc-provider') {
    if (context.parentURL === SHIM) return next(specifier, { ...context, parentURL: importer });
    importer = context.parentURL;
    return { url: SHIM, shortCircuit: true };
  }
  return next(specifier, context);
}
