// Grafana writes its boot data into the page before any plugin code runs; @grafana/runtime reads it
// when first imported, so this module is imported first. Empty settings are Grafana's defaults.
Object.assign(window, {
  grafanaBootData: { assets: { dark: '', light: '' }, settings: {}, user: {}, navTree: [] },
  __grafana_public_path__: '/public/',
});
