// placeholder, replaced in step 5
process.stdout.write('ccglm demo agent\n');
