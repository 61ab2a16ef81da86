import { Button, PageSection } from '@patternfly/react-core';
import { Link } from 'react-router';
import { Empty } from '../components/States.tsx';

export default function NotFound() {
  return (
    <PageSection>
      <Empty
        title="Page not found"
        body="This address is not a page of the console."
        action={
          <Button variant="primary" component={(props) => <Link {...props} to="/" />}>
            Go to the dashboard
          </Button>
        }
      />
    </PageSection>
  );
}
