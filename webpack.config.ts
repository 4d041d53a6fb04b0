import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

// Extends the scaffolded config (create-plugin "extend the webpack config"): the scaffold copies only
// the root plugin's logos, so the nested data source's logo is copied here.
const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: 'datasource/img/logo.svg', to: 'datasource/img/logo.svg' }],
      }),
    ],
  });
};

export default config;
