"""What machines read: the Atom feed of articles, sitemap.xml and robots.txt."""
