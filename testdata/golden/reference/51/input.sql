WHERE t.project = @project
