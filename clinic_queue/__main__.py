from clinic_queue.cli import main

raise SystemExit(main())
