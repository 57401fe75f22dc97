// The Monitors area's routes: /monitors, /monitors/new, /monitors/<id>, /monitors/<id>/edit,
// /monitors/downtimes and /monitors/settings (notification channels).
import type { App, Page } from '../main';
import { mountDowntimes } from './downtimes';
import { mountMonitorForm } from './form';
import { mountMonitorList } from './list';
import { mountChannelSettings } from './settings';
import { mountMonitorStatus } from './status';

export function mountMonitors(app: App, path: string, setTitle: (t: string) => void): Page {
  if (path === '/monitors/downtimes') {
    setTitle('Downtimes');
    return mountDowntimes(app);
  }
  if (path === '/monitors/settings') {
    setTitle('Notification channels');
    return mountChannelSettings(app);
  }
  if (path === '/monitors/new') {
    setTitle('New monitor');
    return mountMonitorForm(app, null);
  }
  const edit = /^\/monitors\/(\d+)\/edit$/.exec(path);
  if (edit) {
    setTitle('Edit monitor');
    return mountMonitorForm(app, Number(edit[1]));
  }
  const one = /^\/monitors\/(\d+)$/.exec(path);
  if (one) {
    setTitle('Monitor');
    return mountMonitorStatus(app, Number(one[1]), setTitle);
  }
  setTitle('Monitors');
  return mountMonitorList(app);
}
