import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import type { TesseractOptions } from './types';
import type { TesseractQuery } from '../query';

export const plugin = new DataSourcePlugin<DataSource, TesseractQuery, TesseractOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
