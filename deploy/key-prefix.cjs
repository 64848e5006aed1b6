// The key prefix as the functions use it (lib/config.ts): empty, or a folder
// ending in "/", so `${self:custom.keyPrefix}ops/` names the ops folder
// whether OBSERVER_PREFIX was given as "team-a" or "team-a/".
module.exports = () => {
  const prefix = process.env.OBSERVER_PREFIX || '';
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
};
