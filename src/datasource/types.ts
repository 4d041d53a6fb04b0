import type { DataSourceJsonData } from '@grafana/data';
import type { TesseractJsonData } from '../query';

/** The shared settings shape as Grafana's generic data source options (which are all optional keys). */
export type TesseractOptions = TesseractJsonData & DataSourceJsonData;
