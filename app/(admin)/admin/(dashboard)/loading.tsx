import { Card } from '@/components/klaviyo-admin/ui/layout';
import { SkeletonBlock } from '@/components/klaviyo-admin/ui/states';

export default function AdminLoading() {
  return (
    <div style={{ display: 'grid', gap: 16 }}>
      <SkeletonBlock height={32} />
      <Card>
        <SkeletonBlock height={240} />
      </Card>
    </div>
  );
}
